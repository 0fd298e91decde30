from ..models import CLINICAL_ROLES, Membership
from .serializers import PractitionerSerializer
from .viewsets import PracticeScopedReadOnlyViewSet


class PractitionerViewSet(PracticeScopedReadOnlyViewSet):
    """Practitioners (dentists, hygienists, vets, nurses) of the current practice."""

    model = Membership
    serializer_class = PractitionerSerializer

    def scope_queryset(self, queryset):
        return (
            queryset.filter(role__in=CLINICAL_ROLES, is_active=True)
            .select_related("user")
            .order_by("display_name", "id")
        )
