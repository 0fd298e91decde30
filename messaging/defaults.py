"""The templates every practice starts with: each kind and channel in en, nl, it, ru, fi."""

from __future__ import annotations

# (kind, channel) -> language -> (subject, body)
DEFAULT_TEMPLATES: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("confirmation", "sms"): {
        "en": (
            "",
            "{practice}: your appointment for {patient} is on {date} at {time}, "
            "{location}. Confirm or cancel: {link}",
        ),
        "nl": (
            "",
            "{practice}: de afspraak voor {patient} staat op {date} om {time}, "
            "{location}. Bevestigen of annuleren: {link}",
        ),
        "it": (
            "",
            "{practice}: l'appuntamento per {patient} è il {date} alle {time}, "
            "{location}. Conferma o annulla: {link}",
        ),
        "ru": (
            "",
            "{practice}: запись для {patient} — {date} в {time}, {location}. "
            "Подтвердить или отменить: {link}",
        ),
        "fi": (
            "",
            "{practice}: aika ({patient}) on {date} klo {time}, {location}. "
            "Vahvista tai peru: {link}",
        ),
    },
    ("confirmation", "email"): {
        "en": (
            "Your appointment on {date} at {time}",
            "Dear {client},\n\nThis confirms the appointment for {patient} with "
            "{practitioner} on {date} at {time} at {location} ({location_address}).\n\n"
            "To confirm or cancel, open {link} or call us on {practice_phone}.\n\n"
            "Kind regards,\n{practice}",
        ),
        "nl": (
            "Uw afspraak op {date} om {time}",
            "Beste {client},\n\nHierbij bevestigen wij de afspraak voor {patient} bij "
            "{practitioner} op {date} om {time} in {location} ({location_address}).\n\n"
            "Bevestigen of annuleren kan via {link} of telefonisch op {practice_phone}.\n\n"
            "Met vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Il suo appuntamento del {date} alle {time}",
            "Gentile {client},\n\nconfermiamo l'appuntamento per {patient} con "
            "{practitioner} il {date} alle {time} presso {location} ({location_address}).\n\n"
            "Per confermare o annullare apra {link} o chiami il {practice_phone}.\n\n"
            "Cordiali saluti,\n{practice}",
        ),
        "ru": (
            "Ваша запись на {date} в {time}",
            "Здравствуйте, {client}!\n\nПодтверждаем запись для {patient} к {practitioner} "
            "на {date} в {time}, {location} ({location_address}).\n\n"
            "Подтвердить или отменить: {link} или по телефону {practice_phone}.\n\n"
            "С уважением,\n{practice}",
        ),
        "fi": (
            "Aikasi {date} klo {time}",
            "Hei {client},\n\nvahvistamme ajan ({patient}) {practitioner}, {date} klo {time}, "
            "{location} ({location_address}).\n\nVahvista tai peru: {link} tai soita "
            "{practice_phone}.\n\nYstävällisin terveisin,\n{practice}",
        ),
    },
    ("reminder", "sms"): {
        "en": (
            "",
            "Reminder from {practice}: {patient}, {date} at {time}, {location}. Can't come? {link}",
        ),
        "nl": (
            "",
            "Herinnering van {practice}: {patient}, {date} om {time}, {location}. "
            "Verhinderd? {link}",
        ),
        "it": (
            "",
            "Promemoria da {practice}: {patient}, {date} alle {time}, {location}. "
            "Non può venire? {link}",
        ),
        "ru": (
            "",
            "Напоминание от {practice}: {patient}, {date} в {time}, {location}. "
            "Не сможете прийти? {link}",
        ),
        "fi": ("", "Muistutus, {practice}: {patient}, {date} klo {time}, {location}. Este? {link}"),
    },
    ("reminder", "email"): {
        "en": (
            "Reminder: appointment on {date} at {time}",
            "Dear {client},\n\nA reminder of the appointment for {patient} with "
            "{practitioner} on {date} at {time} at {location} ({location_address}).\n\n"
            "If you cannot come, please cancel via {link} or call {practice_phone}.\n\n"
            "Kind regards,\n{practice}",
        ),
        "nl": (
            "Herinnering: afspraak op {date} om {time}",
            "Beste {client},\n\nWij herinneren u aan de afspraak voor {patient} bij "
            "{practitioner} op {date} om {time} in {location} ({location_address}).\n\n"
            "Verhinderd? Annuleer via {link} of bel {practice_phone}.\n\n"
            "Met vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Promemoria: appuntamento del {date} alle {time}",
            "Gentile {client},\n\nle ricordiamo l'appuntamento per {patient} con "
            "{practitioner} il {date} alle {time} presso {location} ({location_address}).\n\n"
            "Se non può venire, annulli tramite {link} o chiami il {practice_phone}.\n\n"
            "Cordiali saluti,\n{practice}",
        ),
        "ru": (
            "Напоминание: запись на {date} в {time}",
            "Здравствуйте, {client}!\n\nНапоминаем о записи для {patient} к {practitioner} "
            "на {date} в {time}, {location} ({location_address}).\n\n"
            "Если не сможете прийти, отмените запись: {link} или позвоните {practice_phone}."
            "\n\nС уважением,\n{practice}",
        ),
        "fi": (
            "Muistutus: aika {date} klo {time}",
            "Hei {client},\n\nmuistutamme ajasta ({patient}) {practitioner}, {date} klo "
            "{time}, {location} ({location_address}).\n\nJos et pääse, peru ajan: {link} "
            "tai soita {practice_phone}.\n\nYstävällisin terveisin,\n{practice}",
        ),
    },
    ("booking_link", "sms"): {
        "en": ("", "{practice}: book the next appointment for {patient} online: {link}"),
        "nl": ("", "{practice}: plan de volgende afspraak voor {patient} online: {link}"),
        "it": ("", "{practice}: prenoti online il prossimo appuntamento per {patient}: {link}"),
        "ru": ("", "{practice}: запишите {patient} на следующий приём онлайн: {link}"),
        "fi": ("", "{practice}: varaa seuraava aika ({patient}) verkossa: {link}"),
    },
    ("booking_link", "email"): {
        "en": (
            "Book the next appointment for {patient}",
            "Dear {client},\n\nYou can book the next appointment for {patient} online, "
            "whenever it suits you: {link}\n\nOr call us on {practice_phone}.\n\n"
            "Kind regards,\n{practice}",
        ),
        "nl": (
            "Plan de volgende afspraak voor {patient}",
            "Beste {client},\n\nU kunt de volgende afspraak voor {patient} online plannen, "
            "wanneer het u uitkomt: {link}\n\nOf bel ons op {practice_phone}.\n\n"
            "Met vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Prenoti il prossimo appuntamento per {patient}",
            "Gentile {client},\n\npuò prenotare online il prossimo appuntamento per "
            "{patient}, quando le è comodo: {link}\n\nOppure ci chiami al "
            "{practice_phone}.\n\nCordiali saluti,\n{practice}",
        ),
        "ru": (
            "Запишите {patient} на следующий приём",
            "Здравствуйте, {client}!\n\nЗаписать {patient} на следующий приём можно онлайн "
            "в удобное время: {link}\n\nИли позвоните нам: {practice_phone}.\n\n"
            "С уважением,\n{practice}",
        ),
        "fi": (
            "Varaa seuraava aika ({patient})",
            "Hei {client},\n\nvoit varata seuraavan ajan ({patient}) verkossa silloin, kun "
            "sinulle sopii: {link}\n\nTai soita meille {practice_phone}.\n\n"
            "Ystävällisin terveisin,\n{practice}",
        ),
    },
}
