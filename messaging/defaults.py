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
            "{location}. Confermi o annulli: {link}",
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
    ("waitlist_offer", "sms"): {
        "en": (
            "",
            "{practice}: a time has come free for {patient}: {date} at {time}, {location}. "
            "First to book it gets it: {link}",
        ),
        "nl": (
            "",
            "{practice}: er is een plek vrijgekomen voor {patient}: {date} om {time}, "
            "{location}. Wie het eerst boekt, krijgt hem: {link}",
        ),
        "it": (
            "",
            "{practice}: si è liberato un posto per {patient}: {date} alle {time}, "
            "{location}. Va a chi prenota per primo: {link}",
        ),
        "ru": (
            "",
            "{practice}: освободилось время для {patient}: {date} в {time}, {location}. "
            "Получит тот, кто запишется первым: {link}",
        ),
        "fi": (
            "",
            "{practice}: aika vapautui ({patient}): {date} klo {time}, {location}. "
            "Nopein varaaja saa sen: {link}",
        ),
    },
    ("waitlist_offer", "email"): {
        "en": (
            "A time has come free: {date} at {time}",
            "Dear {client},\n\n{patient} is on our waiting list, and a time has come free "
            "with {practitioner} on {date} at {time} at {location} ({location_address}).\n\n"
            "It goes to whoever books it first. To take it, open {link}\n\n"
            "Questions? Call us on {practice_phone}.\n\nKind regards,\n{practice}",
        ),
        "nl": (
            "Er is een plek vrijgekomen: {date} om {time}",
            "Beste {client},\n\n{patient} staat op onze wachtlijst, en er is een plek "
            "vrijgekomen bij {practitioner} op {date} om {time} in {location} "
            "({location_address}).\n\nWie het eerst boekt, krijgt hem. Boeken kan via "
            "{link}\n\nVragen? Bel ons op {practice_phone}.\n\n"
            "Met vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Si è liberato un posto: {date} alle {time}",
            "Gentile {client},\n\n{patient} è nella nostra lista d'attesa e si è liberato "
            "un posto con {practitioner} il {date} alle {time} presso {location} "
            "({location_address}).\n\nVa a chi prenota per primo. Per prenotarlo apra "
            "{link}\n\nDomande? Ci chiami al {practice_phone}.\n\n"
            "Cordiali saluti,\n{practice}",
        ),
        "ru": (
            "Освободилось время: {date} в {time}",
            "Здравствуйте, {client}!\n\n{patient} в нашем листе ожидания, и освободилось "
            "время к {practitioner} на {date} в {time}, {location} ({location_address})."
            "\n\nЕго получит тот, кто запишется первым. Записаться: {link}\n\n"
            "Вопросы? Позвоните нам: {practice_phone}.\n\nС уважением,\n{practice}",
        ),
        "fi": (
            "Aika vapautui: {date} klo {time}",
            "Hei {client},\n\n{patient} on jonotuslistallamme, ja aika vapautui: "
            "{practitioner}, {date} klo {time}, {location} ({location_address}).\n\n"
            "Aika menee nopeimmalle varaajalle. Varaa se: {link}\n\n"
            "Kysyttävää? Soita {practice_phone}.\n\nYstävällisin terveisin,\n{practice}",
        ),
    },
    ("waitlist_gone", "sms"): {
        "en": (
            "",
            "{practice}: sorry, the time on {date} at {time} has gone. "
            "{patient} stays on our waiting list.",
        ),
        "nl": (
            "",
            "{practice}: helaas, de plek op {date} om {time} is al vergeven. "
            "{patient} blijft op onze wachtlijst.",
        ),
        "it": (
            "",
            "{practice}: purtroppo il posto del {date} alle {time} è già stato preso. "
            "{patient} resta nella lista d'attesa.",
        ),
        "ru": (
            "",
            "{practice}: к сожалению, время {date} в {time} уже занято. "
            "{patient} остаётся в листе ожидания.",
        ),
        "fi": (
            "",
            "{practice}: valitettavasti aika {date} klo {time} on jo varattu. "
            "{patient} pysyy jonotuslistalla.",
        ),
    },
    ("waitlist_gone", "email"): {
        "en": (
            "The time on {date} at {time} has gone",
            "Dear {client},\n\nSorry: the time we offered for {patient} on {date} at {time} "
            "has gone. {patient} stays on our waiting list, and we will tell you when "
            "another time comes free.\n\nKind regards,\n{practice}",
        ),
        "nl": (
            "De plek op {date} om {time} is vergeven",
            "Beste {client},\n\nHelaas: de plek die wij {patient} aanboden op {date} om "
            "{time} is al vergeven. {patient} blijft op onze wachtlijst; wij laten het u "
            "weten als er weer iets vrijkomt.\n\nMet vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Il posto del {date} alle {time} è stato preso",
            "Gentile {client},\n\npurtroppo il posto offerto per {patient} il {date} alle "
            "{time} è già stato preso. {patient} resta nella lista d'attesa e le scriveremo "
            "quando si libererà un altro posto.\n\nCordiali saluti,\n{practice}",
        ),
        "ru": (
            "Время {date} в {time} уже занято",
            "Здравствуйте, {client}!\n\nК сожалению, время, предложенное для {patient} "
            "на {date} в {time}, уже занято. {patient} остаётся в листе ожидания, и мы "
            "сообщим, когда освободится другое время.\n\nС уважением,\n{practice}",
        ),
        "fi": (
            "Aika {date} klo {time} on jo varattu",
            "Hei {client},\n\nvalitettavasti aika, jota tarjosimme ({patient}) {date} klo "
            "{time}, on jo varattu. {patient} pysyy jonotuslistalla, ja kerromme, kun "
            "uusi aika vapautuu.\n\nYstävällisin terveisin,\n{practice}",
        ),
    },
    # The practice cancelled: sorry, and how to book again (the link is the online booking page).
    ("cancellation", "sms"): {
        "en": (
            "",
            "{practice}: the appointment for {patient} on {date} at {time} is cancelled. "
            "Book a new time: {link} or call {practice_phone}",
        ),
        "nl": (
            "",
            "{practice}: de afspraak voor {patient} op {date} om {time} is geannuleerd. "
            "Nieuwe afspraak: {link} of bel {practice_phone}",
        ),
        "it": (
            "",
            "{practice}: l'appuntamento per {patient} del {date} alle {time} è annullato. "
            "Prenoti un nuovo orario: {link} o chiami il {practice_phone}",
        ),
        "ru": (
            "",
            "{practice}: запись для {patient} на {date} в {time} отменена. "
            "Новая запись: {link} или по телефону {practice_phone}",
        ),
        "fi": (
            "",
            "{practice}: aika ({patient}) {date} klo {time} on peruttu. "
            "Varaa uusi aika: {link} tai soita {practice_phone}",
        ),
    },
    ("cancellation", "email"): {
        "en": (
            "Your appointment on {date} at {time} is cancelled",
            "Dear {client},\n\nWe are sorry: the appointment for {patient} with "
            "{practitioner} on {date} at {time} at {location} is cancelled.\n\n"
            "To book a new time, open {link} or call us on {practice_phone}.\n\n"
            "Kind regards,\n{practice}",
        ),
        "nl": (
            "Uw afspraak op {date} om {time} is geannuleerd",
            "Beste {client},\n\nHet spijt ons: de afspraak voor {patient} bij "
            "{practitioner} op {date} om {time} in {location} is geannuleerd.\n\n"
            "Een nieuwe afspraak maken kan via {link} of telefonisch op {practice_phone}.\n\n"
            "Met vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Il suo appuntamento del {date} alle {time} è annullato",
            "Gentile {client},\n\nci dispiace: l'appuntamento per {patient} con "
            "{practitioner} il {date} alle {time} presso {location} è annullato.\n\n"
            "Per prenotare un nuovo orario apra {link} o ci chiami al {practice_phone}.\n\n"
            "Cordiali saluti,\n{practice}",
        ),
        "ru": (
            "Ваша запись на {date} в {time} отменена",
            "Здравствуйте, {client}!\n\nК сожалению, запись для {patient} к {practitioner} "
            "на {date} в {time}, {location}, отменена.\n\n"
            "Записаться на другое время: {link} или по телефону {practice_phone}.\n\n"
            "С уважением,\n{practice}",
        ),
        "fi": (
            "Aikasi {date} klo {time} on peruttu",
            "Hei {client},\n\nvalitettavasti aika ({patient}) {practitioner}, {date} klo "
            "{time}, {location} on peruttu.\n\nVaraa uusi aika: {link} tai soita "
            "{practice_phone}.\n\nYstävällisin terveisin,\n{practice}",
        ),
    },
    # The client cancelled through their link: their cancellation is received.
    ("cancel_confirmed", "sms"): {
        "en": (
            "",
            "{practice}: you cancelled the appointment for {patient} on {date} at {time}. "
            "Book a new time: {link}",
        ),
        "nl": (
            "",
            "{practice}: u heeft de afspraak voor {patient} op {date} om {time} geannuleerd. "
            "Nieuwe afspraak: {link}",
        ),
        "it": (
            "",
            "{practice}: ha annullato l'appuntamento per {patient} del {date} alle {time}. "
            "Prenoti un nuovo orario: {link}",
        ),
        "ru": (
            "",
            "{practice}: вы отменили запись для {patient} на {date} в {time}. Новая запись: {link}",
        ),
        "fi": (
            "",
            "{practice}: perutit ajan ({patient}) {date} klo {time}. Varaa uusi aika: {link}",
        ),
    },
    ("cancel_confirmed", "email"): {
        "en": (
            "Cancelled: your appointment on {date} at {time}",
            "Dear {client},\n\nThis confirms that you cancelled the appointment for "
            "{patient} with {practitioner} on {date} at {time} at {location}.\n\n"
            "To book a new time, open {link} or call us on {practice_phone}.\n\n"
            "Kind regards,\n{practice}",
        ),
        "nl": (
            "Geannuleerd: uw afspraak op {date} om {time}",
            "Beste {client},\n\nHierbij bevestigen wij dat u de afspraak voor {patient} bij "
            "{practitioner} op {date} om {time} in {location} heeft geannuleerd.\n\n"
            "Een nieuwe afspraak maken kan via {link} of telefonisch op {practice_phone}.\n\n"
            "Met vriendelijke groet,\n{practice}",
        ),
        "it": (
            "Annullato: il suo appuntamento del {date} alle {time}",
            "Gentile {client},\n\nconfermiamo che ha annullato l'appuntamento per "
            "{patient} con {practitioner} il {date} alle {time} presso {location}.\n\n"
            "Per prenotare un nuovo orario apra {link} o ci chiami al {practice_phone}.\n\n"
            "Cordiali saluti,\n{practice}",
        ),
        "ru": (
            "Отменено: ваша запись на {date} в {time}",
            "Здравствуйте, {client}!\n\nПодтверждаем, что вы отменили запись для {patient} "
            "к {practitioner} на {date} в {time}, {location}.\n\n"
            "Записаться на другое время: {link} или по телефону {practice_phone}.\n\n"
            "С уважением,\n{practice}",
        ),
        "fi": (
            "Peruttu: aikasi {date} klo {time}",
            "Hei {client},\n\nvahvistamme, että perutit ajan ({patient}) {practitioner}, "
            "{date} klo {time}, {location}.\n\nVaraa uusi aika: {link} tai soita "
            "{practice_phone}.\n\nYstävällisin terveisin,\n{practice}",
        ),
    },
}
