import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(receptionist):
    """API client logged in as practice A's receptionist."""
    client = APIClient()
    client.force_authenticate(receptionist.user)
    return client
