"""Printout texts in kk, ru and en for tests, until the gettext catalogues exist, and a sample station."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.core.registration import Language, Localized, Station

TEXTS: dict[str, dict[Language, str]] = {
    "printout.station": {"kk": "Сайлау учаскесі", "ru": "Избирательный участок", "en": "Polling station"},
    "printout.address": {"kk": "Мекенжайы", "ru": "Адрес", "en": "Address"},
    "printout.printed_at": {"kk": "Басып шығарылды", "ru": "Дата и время", "en": "Printed"},
    "printout.iin": {"kk": "ЖСН", "ru": "ИИН", "en": "IIN"},
    "printout.reference": {"kk": "Тіркеу нөмірі", "ru": "Номер регистрации", "en": "Reference"},
    "printout.desk": {"kk": "Комиссия үстелі", "ru": "Стол комиссии", "en": "Commission desk"},
    "receipt.title": {"kk": "Уақытша тіркеу", "ru": "Временная регистрация", "en": "Temporary registration"},
    "receipt.registered": {
        "kk": "Сіз дауыс беру күніне №{station} учаскенің мекенжайы бойынша уақытша тіркелдіңіз.",
        "ru": "Вы временно зарегистрированы по адресу участка № {station} на день голосования.",
        "en": "You are temporarily registered at the address of polling station {station} for voting day.",
    },
    "receipt.next_step": {
        "kk": "Осы түбіртек пен жеке куәлігіңізді №{desk} үстелдегі комиссияға көрсетіңіз.",
        "ru": "Покажите эту квитанцию и удостоверение личности комиссии за столом № {desk}.",
        "en": "Show this receipt and your ID card to the commission at desk {desk}.",
    },
    "receipt.keep": {
        "kk": "Түбіртекті дауыс беру күні аяқталғанша сақтаңыз. Ұмытпаңыз!",
        "ru": "Сохраните квитанцию до конца дня голосования.",
        "en": "Keep this receipt until the end of voting day.",
    },
    "slip.title": {"kk": "Комиссияға жүгініңіз", "ru": "Обратитесь в комиссию", "en": "Please ask the commission"},
    "slip.reason.not_listed": {
        "kk": "Сіз сайлаушылар тізімінде жоқсыз.",
        "ru": "Вас нет в списке избирателей.",
        "en": "You are not on the voter list.",
    },
    "slip.reason.not_eligible": {
        "kk": "Қызмет сіздің осы жерде дауыс бере алмайтыныңызды хабарлады.",
        "ru": "Сервис сообщил, что вы не можете голосовать здесь.",
        "en": "The service says you cannot vote here.",
    },
    "slip.reason.service_unavailable": {
        "kk": "Тексеру қызметі қазір қолжетімсіз.",
        "ru": "Служба проверки сейчас недоступна.",
        "en": "The checking service cannot be reached right now.",
    },
    "slip.next_step": {"kk": "№{desk} үстелге барыңыз", "ru": "Подойдите к столу № {desk}", "en": "Go to desk {desk}"},
}


def translator(language: Language) -> Callable[..., str]:
    """A ``translate(key, **params)`` for ``language`` over :data:`TEXTS`; an unknown key raises KeyError."""

    def translate(key: str, /, **params: object) -> str:
        return TEXTS[key][language].format(**params)

    return translate


STATION = Station(
    number=412,
    region="Қызылорда облысы",
    address=Localized(
        kk="Қызылорда қ., Әйтеке би көшесі, 25, №12 мектеп-гимназия",
        ru="г. Кызылорда, ул. Айтеке би, 25, школа-гимназия № 12",
        en="Kyzylorda, Aiteke Bi street 25, school-gymnasium No. 12",
    ),
    directions=Localized(kk="Мектептің бас кіреберісі", ru="Главный вход школы", en="Main entrance of the school"),
    opens="07:00",
    closes="20:00",
    offers_temporary_registration=True,
    commission_desk=3,
)
