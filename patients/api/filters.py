import django_filters

from ..models import Client, Patient
from ..selectors import search_terms


def _search(queryset, _name, value):
    for term in search_terms(value):
        queryset = queryset.filter(search_text__contains=term)
    return queryset


class PatientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method=_search, label="Name, phone or email contains")
    client = django_filters.NumberFilter(field_name="client_id")
    species = django_filters.CharFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Patient
        fields: list[str] = []


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, phone or email contains")

    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Client
        fields: list[str] = []

    def search(self, queryset, _name, value):
        for term in search_terms(value):
            queryset = queryset.filter(patients__search_text__contains=term)
        return queryset.distinct()
