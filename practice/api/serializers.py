from rest_framework import serializers

from ..models import Membership


class PractitionerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "name", "role", "role_label", "colour"]
        read_only_fields = fields
