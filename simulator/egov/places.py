"""Regions, settlements, streets and landmarks for the synthetic registry, each named in kk, ru and en.

Region codes are ISO 3166-2:KZ codes (which since 2020 follow the KATO numbering). Settlements and districts
are real places; streets are common Kazakh street names. What is synthetic is everything assigned to them:
station numbers, boundaries, electoral district numbers, bus routes and every voter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

SettlementKind = Literal["city", "town", "village"]
StreetKind = Literal["avenue", "street", "microdistrict"]


@dataclass(frozen=True, slots=True)
class Trilingual:
    """The same text in Kazakh, Russian and English."""

    kk: str
    ru: str
    en: str


@dataclass(frozen=True, slots=True)
class Street:
    """A street (or microdistrict): ``name`` holds the bare name, ru in the case Russian street names use."""

    kind: StreetKind
    name: Trilingual

    def full_name(self) -> Trilingual:
        """The name with its kind, as written in an address (Абай даңғылы / проспект Абая / Abai Avenue)."""
        kk, ru, en = self.name.kk, self.name.ru, self.name.en
        if self.kind == "avenue":
            return Trilingual(f"{kk} даңғылы", f"проспект {ru}", f"{en} Avenue")
        if self.kind == "microdistrict":
            return Trilingual(f"{kk} ықшамауданы", f"микрорайон {ru}", f"{en} Microdistrict")
        return Trilingual(f"{kk} көшесі", f"улица {ru}", f"{en} Street")


@dataclass(frozen=True, slots=True)
class Settlement:
    """A place where stations stand; ``place`` is how an address names it (with its district)."""

    kind: SettlementKind
    place: Trilingual
    weight: float  # share of the region's voters
    council: Trilingual | None  # the district-level maslikhat elected here (None in cities of republican rank)
    local_streets: tuple[Street, ...] = ()
    km_from_centre: int = 0  # villages: distance to the district centre (0: the village is the centre)


@dataclass(frozen=True, slots=True)
class Region:
    """A region: its names, settlements and the councils elected there."""

    code: str
    name: Trilingual
    settlements: tuple[Settlement, ...]
    upper_council: Trilingual  # oblast maslikhat, or the city maslikhat of a city of republican rank
    upper_council_is_city: bool
    upper_council_districts: int
    mazhilis_districts: tuple[int, ...]  # single-member Mazhilis constituencies covering the region (synthetic)
    kazakh_share: float  # share of voters given Kazakh names; the rest Russian


def _street(name_kk: str, name_ru: str, name_en: str) -> Street:
    return Street("street", Trilingual(name_kk, name_ru, name_en))


def _avenue(name_kk: str, name_ru: str, name_en: str) -> Street:
    return Street("avenue", Trilingual(name_kk, name_ru, name_en))


def _microdistrict(name_kk: str, name_ru: str, name_en: str) -> Street:
    return Street("microdistrict", Trilingual(name_kk, name_ru, name_en))


def _district_council(kk: str, ru: str, en: str) -> Trilingual:
    return Trilingual(f"{kk} аудандық мәслихаты", f"{ru} районный маслихат", f"{en} District Maslikhat")


def _city_council(kk: str, ru: str, en: str) -> Trilingual:
    return Trilingual(f"{kk} қалалық мәслихаты", f"{ru} городской маслихат", f"{en} City Maslikhat")


COMMON_STREETS: Final = (
    _avenue("Абай", "Абая", "Abai"),
    _street("Әйтеке би", "Айтеке би", "Aiteke Bi"),
    _street("Төле би", "Толе би", "Tole Bi"),
    _street("Қазыбек би", "Казыбек би", "Kazybek Bi"),
    _street("Желтоқсан", "Желтоксан", "Zheltoksan"),
    _avenue("Тәуелсіздік", "Тауелсиздик", "Tauelsizdik"),
    _street("Наурыз", "Наурыз", "Nauryz"),
    _street("Сейфуллин", "Сейфуллина", "Seifullin"),
    _street("Мұхтар Әуезов", "Мухтара Ауэзова", "Mukhtar Auezov"),
    _street("Жамбыл", "Жамбыла", "Zhambyl"),
    _street("Құрманғазы", "Курмангазы", "Kurmangazy"),
    _street("Сәтбаев", "Сатпаева", "Satbayev"),
    _street("Бейбітшілік", "Бейбитшилик", "Beibitshilik"),
    _street("Достық", "Достык", "Dostyk"),
    _street("Абылай хан", "Абылай хана", "Abylai Khan"),
    _street("Қабанбай батыр", "Кабанбай батыра", "Kabanbai Batyr"),
    _street("Шоқан Уәлиханов", "Шокана Валиханова", "Shokan Valikhanov"),
    _street("Ыбырай Алтынсарин", "Ибрая Алтынсарина", "Ybyrai Altynsarin"),
    _street("Мағжан Жұмабаев", "Магжана Жумабаева", "Magzhan Zhumabayev"),
    _street("Бауыржан Момышұлы", "Бауыржана Момышулы", "Baurzhan Momyshuly"),
    _street("Әл-Фараби", "аль-Фараби", "Al-Farabi"),
    _street("Жібек жолы", "Жибек жолы", "Zhibek Zholy"),
    _street("Гагарин", "Гагарина", "Gagarin"),
    _street("Мәншүк Мәметова", "Маншук Маметовой", "Manshuk Mametova"),
    _street("Әлия Молдағұлова", "Алии Молдагуловой", "Aliya Moldagulova"),
    _street("Ахмет Байтұрсынұлы", "Ахмета Байтурсынулы", "Akhmet Baitursynuly"),
    _street("Әлихан Бөкейхан", "Алихана Букейхана", "Alikhan Bokeikhan"),
    _street("Мектеп", "Мектеп", "Mektep"),
    _street("Орталық", "Орталык", "Ortalyk"),
    _street("Жастар", "Жастар", "Zhastar"),
    _street("Болашақ", "Болашак", "Bolashak"),
    _street("Ынтымақ", "Ынтымак", "Yntymak"),
    _street("Бірлік", "Бирлик", "Birlik"),
    _street("Көктем", "Коктем", "Koktem"),
    _street("Ақжол", "Акжол", "Akzhol"),
    _street("Шұғыла", "Шугыла", "Shugyla"),
)
"""Street names found in most Kazakh towns and villages."""

_KYZYLORDA_STREETS: Final = (
    _street("Қорқыт ата", "Коркыт ата", "Korkyt Ata"),
    _street("Тоқмағамбетов", "Токмагамбетова", "Tokmagambetov"),
    _street("Жахаев", "Жахаева", "Zhakhayev"),
    _street("Айтбаев", "Айтбаева", "Aitbayev"),
    _street("Бұқарбай батыр", "Букарбай батыра", "Bukarbai Batyr"),
    _street("Сұлтан Бейбарыс", "Султана Бейбарса", "Sultan Beibarys"),
    _microdistrict("Ақмешіт", "Акмешит", "Akmeshit"),
    _microdistrict("Сәулет", "Саулет", "Saulet"),
    _microdistrict("Арай", "Арай", "Arai"),
)

_TURKESTAN_STREETS: Final = (
    _avenue("Тәуке хан", "Тауке хана", "Tauke Khan"),
    _street("Есім хан", "Есим хана", "Esim Khan"),
    _street("Қожа Ахмет Ясауи", "Кожа Ахмеда Ясави", "Khoja Akhmet Yassawi"),
    _street("Бекзат Саттарханов", "Бекзата Саттарханова", "Bekzat Sattarkhanov"),
    _street("Арыстанбаб", "Арыстанбаба", "Arystanbab"),
    _microdistrict("Жаңа қала", "Жана кала", "Zhana Kala"),
    _microdistrict("Сауран", "Сауран", "Sauran"),
    _microdistrict("Иассы", "Иассы", "Iassy"),
)

_ALMATY_STREETS: Final = (
    _avenue("Достық", "Достык", "Dostyk"),
    _avenue("Абылай хан", "Абылай хана", "Abylai Khan"),
    _avenue("Райымбек", "Райымбека", "Raiymbek"),
    _avenue("Рысқұлов", "Рыскулова", "Ryskulov"),
    _avenue("Әл-Фараби", "аль-Фараби", "Al-Farabi"),
    _street("Жандосов", "Жандосова", "Zhandosov"),
    _street("Тимирязев", "Тимирязева", "Timiryazev"),
    _street("Розыбакиев", "Розыбакиева", "Rozybakiev"),
    _street("Байзақов", "Байзакова", "Baizakov"),
    _street("Жароков", "Жарокова", "Zharokov"),
    _street("Саин", "Саина", "Sain"),
    _street("Гоголь", "Гоголя", "Gogol"),
    _street("Шевченко", "Шевченко", "Shevchenko"),
    _microdistrict("Самал-2", "Самал-2", "Samal-2"),
    _microdistrict("Көктем-1", "Коктем-1", "Koktem-1"),
    _microdistrict("Айнабұлақ-3", "Айнабулак-3", "Ainabulak-3"),
    _microdistrict("Жетісу-2", "Жетысу-2", "Zhetysu-2"),
    _microdistrict("Орбита-1", "Орбита-1", "Orbita-1"),
    _microdistrict("Таугүл", "Таугуль", "Taugul"),
    _microdistrict("Ақсай-4", "Аксай-4", "Aksai-4"),
)

_KYZYLORDA_CITY = _city_council("Қызылорда", "Кызылординский", "Kyzylorda")
_ARAL = _district_council("Арал", "Аральский", "Aral")
_KAZALY = _district_council("Қазалы", "Казалинский", "Kazaly")
_KARMAKSHY = _district_council("Қармақшы", "Кармакшинский", "Karmakshy")
_ZHALAGASH = _district_council("Жалағаш", "Жалагашский", "Zhalagash")
_SYRDARYA = _district_council("Сырдария", "Сырдарьинский", "Syrdarya")
_SHIELI = _district_council("Шиелі", "Шиелийский", "Shieli")
_ZHANAKORGAN = _district_council("Жаңақорған", "Жанакорганский", "Zhanakorgan")

KYZYLORDA: Final = Region(
    code="KZ-43",
    name=Trilingual("Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    upper_council=Trilingual(
        "Қызылорда облыстық мәслихаты", "Кызылординский областной маслихат", "Kyzylorda Regional Maslikhat"
    ),
    upper_council_is_city=False,
    upper_council_districts=30,
    mazhilis_districts=(19,),
    kazakh_share=0.95,
    settlements=(
        Settlement("city", Trilingual("Қызылорда қ.", "г. Кызылорда", "Kyzylorda"), 0.42, _KYZYLORDA_CITY,
                   _KYZYLORDA_STREETS),
        Settlement("town", Trilingual("Арал ауданы, Арал қ.", "Аральский район, г. Аральск",
                                      "Aralsk, Aral District"), 0.06, _ARAL),
        Settlement("town", Trilingual("Қазалы ауданы, Қазалы қ.", "Казалинский район, г. Казалинск",
                                      "Kazalinsk, Kazaly District"), 0.03, _KAZALY),
        Settlement("town", Trilingual("Қазалы ауданы, Әйтеке би кенті", "Казалинский район, пос. Айтеке би",
                                      "Aiteke Bi, Kazaly District"), 0.04, _KAZALY),
        Settlement("town", Trilingual("Қармақшы ауданы, Жосалы кенті", "Кармакшинский район, пос. Жосалы",
                                      "Zhosaly, Karmakshy District"), 0.04, _KARMAKSHY),
        Settlement("town", Trilingual("Жалағаш ауданы, Жалағаш кенті", "Жалагашский район, пос. Жалагаш",
                                      "Zhalagash, Zhalagash District"), 0.04, _ZHALAGASH),
        Settlement("town", Trilingual("Сырдария ауданы, Тереңөзек кенті", "Сырдарьинский район, пос. Теренозек",
                                      "Terenozek, Syrdarya District"), 0.04, _SYRDARYA),
        Settlement("town", Trilingual("Шиелі ауданы, Шиелі кенті", "Шиелийский район, пос. Шиели",
                                      "Shieli, Shieli District"), 0.06, _SHIELI),
        Settlement("town", Trilingual("Жаңақорған ауданы, Жаңақорған кенті",
                                      "Жанакорганский район, пос. Жанакорган",
                                      "Zhanakorgan, Zhanakorgan District"), 0.06, _ZHANAKORGAN),
        Settlement("village", Trilingual("Қызылорда қ., Тасбөгет кенті", "г. Кызылорда, пос. Тасбогет",
                                         "Tasboget, Kyzylorda"), 0.05, _KYZYLORDA_CITY, km_from_centre=7),
        Settlement("village", Trilingual("Қармақшы ауданы, Төретам ауылы", "Кармакшинский район, с. Торетам",
                                         "Toretam village, Karmakshy District"), 0.04, _KARMAKSHY,
                   km_from_centre=92),
        Settlement("village", Trilingual("Қармақшы ауданы, Ақай ауылы", "Кармакшинский район, с. Акай",
                                         "Akai village, Karmakshy District"), 0.02, _KARMAKSHY,
                   km_from_centre=38),
        Settlement("village", Trilingual("Арал ауданы, Сексеуіл кенті", "Аральский район, пос. Саксаульский",
                                         "Saksaulsky, Aral District"), 0.03, _ARAL, km_from_centre=120),
        Settlement("village", Trilingual("Жаңақорған ауданы, Байқожа ауылы", "Жанакорганский район, с. Байкожа",
                                         "Baikozha village, Zhanakorgan District"), 0.03, _ZHANAKORGAN,
                   km_from_centre=25),
        Settlement("village", Trilingual("Шиелі ауданы, Жиделі ауылы", "Шиелийский район, с. Жидели",
                                         "Zhideli village, Shieli District"), 0.04, _SHIELI, km_from_centre=18),
    ),
)

TURKESTAN: Final = Region(
    code="KZ-61",
    name=Trilingual("Түркістан облысы", "Туркестанская область", "Turkestan Region"),
    upper_council=Trilingual(
        "Түркістан облыстық мәслихаты", "Туркестанский областной маслихат", "Turkestan Regional Maslikhat"
    ),
    upper_council_is_city=False,
    upper_council_districts=50,
    mazhilis_districts=(25, 26, 27),
    kazakh_share=0.92,
    settlements=(
        Settlement("city", Trilingual("Түркістан қ.", "г. Туркестан", "Turkestan"), 0.16,
                   _city_council("Түркістан", "Туркестанский", "Turkestan"), _TURKESTAN_STREETS),
        Settlement("city", Trilingual("Кентау қ.", "г. Кентау", "Kentau"), 0.06,
                   _city_council("Кентау", "Кентауский", "Kentau")),
        Settlement("town", Trilingual("Арыс қ.", "г. Арыс", "Arys"), 0.04,
                   _city_council("Арыс", "Арысский", "Arys")),
        Settlement("town", Trilingual("Сарыағаш ауданы, Сарыағаш қ.", "Сарыагашский район, г. Сарыагаш",
                                      "Saryagash, Saryagash District"), 0.10,
                   _district_council("Сарыағаш", "Сарыагашский", "Saryagash")),
        Settlement("town", Trilingual("Жетісай ауданы, Жетісай қ.", "Жетысайский район, г. Жетысай",
                                      "Zhetisay, Zhetisay District"), 0.10,
                   _district_council("Жетісай", "Жетысайский", "Zhetisay")),
        Settlement("town", Trilingual("Төле би ауданы, Ленгер қ.", "Толебийский район, г. Ленгер",
                                      "Lenger, Tole Bi District"), 0.08,
                   _district_council("Төле би", "Толебийский", "Tole Bi")),
        Settlement("town", Trilingual("Шардара ауданы, Шардара қ.", "Шардаринский район, г. Шардара",
                                      "Shardara, Shardara District"), 0.04,
                   _district_council("Шардара", "Шардаринский", "Shardara")),
        Settlement("town", Trilingual("Мақтаарал ауданы, Мырзакент кенті", "Мактааральский район, пос. Мырзакент",
                                      "Myrzakent, Maktaaral District"), 0.07,
                   _district_council("Мақтаарал", "Мактааральский", "Maktaaral")),
        Settlement("village", Trilingual("Отырар ауданы, Шәуілдір ауылы", "Отрарский район, с. Шаульдер",
                                         "Shaulder village, Otyrar District"), 0.05,
                   _district_council("Отырар", "Отрарский", "Otyrar")),
        Settlement("village", Trilingual("Сайрам ауданы, Ақсукент ауылы", "Сайрамский район, с. Аксукент",
                                         "Aksukent village, Sairam District"), 0.12,
                   _district_council("Сайрам", "Сайрамский", "Sairam")),
        Settlement("village", Trilingual("Қазығұрт ауданы, Қазығұрт ауылы", "Казыгуртский район, с. Казыгурт",
                                         "Kazygurt village, Kazygurt District"), 0.08,
                   _district_council("Қазығұрт", "Казыгуртский", "Kazygurt")),
        Settlement("village", Trilingual("Созақ ауданы, Шолаққорған ауылы", "Созакский район, с. Шолаккорган",
                                         "Sholakkorgan village, Sozak District"), 0.04,
                   _district_council("Созақ", "Созакский", "Sozak")),
        Settlement("village", Trilingual("Бәйдібек ауданы, Шаян ауылы", "Байдибекский район, с. Шаян",
                                         "Shayan village, Baidibek District"), 0.04,
                   _district_council("Бәйдібек", "Байдибекский", "Baidibek")),
        Settlement("village", Trilingual("Ордабасы ауданы, Темірлан ауылы", "Ордабасинский район, с. Темирлан",
                                         "Temirlan village, Ordabasy District"), 0.05,
                   _district_council("Ордабасы", "Ордабасинский", "Ordabasy")),
    ),
)


def _almaty_district(kk: str, ru: str, en: str, weight: float) -> Settlement:
    place = Trilingual(f"Алматы қ., {kk} ауданы", f"г. Алматы, {ru} район", f"{en} District, Almaty")
    return Settlement("city", place, weight, None, _ALMATY_STREETS)


ALMATY_CITY: Final = Region(
    code="KZ-75",
    name=Trilingual("Алматы қаласы", "город Алматы", "Almaty City"),
    upper_council=Trilingual("Алматы қалалық мәслихаты", "Маслихат города Алматы", "Almaty City Maslikhat"),
    upper_council_is_city=True,
    upper_council_districts=39,
    mazhilis_districts=(1, 2, 3, 4),
    kazakh_share=0.65,
    settlements=(
        _almaty_district("Алатау", "Алатауский", "Alatau", 0.14),
        _almaty_district("Алмалы", "Алмалинский", "Almaly", 0.12),
        _almaty_district("Әуезов", "Ауэзовский", "Auezov", 0.20),
        _almaty_district("Бостандық", "Бостандыкский", "Bostandyk", 0.16),
        _almaty_district("Жетісу", "Жетысуский", "Zhetysu", 0.08),
        _almaty_district("Медеу", "Медеуский", "Medeu", 0.10),
        _almaty_district("Наурызбай", "Наурызбайский", "Nauryzbay", 0.08),
        _almaty_district("Түрксіб", "Турксибский", "Turksib", 0.12),
    ),
)

REGIONS: Final = {region.code: region for region in (KYZYLORDA, TURKESTAN, ALMATY_CITY)}
"""Every region the generator knows, by ISO 3166-2:KZ code."""

LANDMARKS: Final = (
    Trilingual("Орталық базар", "Центральный рынок", "Central Market"),
    Trilingual("Теміржол вокзалы", "Железнодорожный вокзал", "Railway Station"),
    Trilingual("Қалалық аурухана", "Городская больница", "City Hospital"),
    Trilingual("Әкімдік", "Акимат", "Akimat"),
    Trilingual("Орталық саябақ", "Центральный парк", "Central Park"),
    Trilingual("Орталық мешіт", "Центральная мечеть", "Central Mosque"),
    Trilingual("Стадион", "Стадион", "Stadium"),
    Trilingual("Сауда орталығы", "Торговый центр", "Shopping Centre"),
    Trilingual("Емхана", "Поликлиника", "Polyclinic"),
    Trilingual("Пошта", "Почта", "Post Office"),
    Trilingual("Университет", "Университет", "University"),
    Trilingual("Мәдениет үйі", "Дом культуры", "House of Culture"),
    Trilingual("Жеңіс саябағы", "Парк Победы", "Victory Park"),
    Trilingual("Автовокзал", "Автовокзал", "Bus Station"),
)
"""Landmarks and bus stops used in directions to a station."""

VILLAGE_LANDMARKS: Final = (
    Trilingual("ауылдық мәдениет үйі", "сельский дом культуры", "village house of culture"),
    Trilingual("ауылдық округ әкімдігі", "аппарат акима сельского округа", "rural district akimat"),
    Trilingual("мешіт", "мечеть", "mosque"),
    Trilingual("дәрігерлік амбулатория", "врачебная амбулатория", "medical outpatient clinic"),
    Trilingual("су мұнарасы", "водонапорная башня", "water tower"),
)
"""Landmarks in villages, where there are no bus routes inside the settlement."""
