"""Products for scale benchmarks: names in Polish, Ukrainian and English made of a product kind
(100 kinds, so each kind's word is in 1 % of products), a colour and a material; three variants
(sizes) each; a category tree of 10 departments x 10 kinds; listed on three channels."""

from __future__ import annotations

import random
from typing import Any

from omni.catalog.v1 import catalog_pb2
from omni.common.v1 import common_pb2

# (Polish, Ukrainian, English), grouped ten per department.
KINDS = [
    # clothing
    ("koszula", "сорочка", "shirt"),
    ("spodnie", "штани", "trousers"),
    ("kurtka", "куртка", "jacket"),
    ("sukienka", "сукня", "dress"),
    ("sweter", "светр", "sweater"),
    ("spódnica", "спідниця", "skirt"),
    ("płaszcz", "пальто", "coat"),
    ("bluza", "толстовка", "hoodie"),
    ("kamizelka", "жилет", "vest"),
    ("piżama", "піжама", "pyjamas"),
    # footwear
    ("buty", "черевики", "boots"),
    ("sandały", "сандалі", "sandals"),
    ("trampki", "кеди", "sneakers"),
    ("kapcie", "капці", "slippers"),
    ("kozaki", "чоботи", "wellingtons"),
    ("mokasyny", "мокасини", "moccasins"),
    ("szpilki", "туфлі", "heels"),
    ("klapki", "шльопанці", "flipflops"),
    ("espadryle", "еспадрильї", "espadrilles"),
    ("półbuty", "напівчеревики", "oxfords"),
    # kitchen
    ("garnek", "каструля", "pot"),
    ("patelnia", "сковорода", "pan"),
    ("czajnik", "чайник", "kettle"),
    ("kubek", "чашка", "mug"),
    ("talerz", "тарілка", "plate"),
    ("miska", "миска", "bowl"),
    ("nóż", "ніж", "knife"),
    ("widelec", "виделка", "fork"),
    ("łyżka", "ложка", "spoon"),
    ("deska", "дошка", "board"),
    # home
    ("lampa", "лампа", "lamp"),
    ("poduszka", "подушка", "pillow"),
    ("koc", "плед", "blanket"),
    ("dywan", "килим", "rug"),
    ("zasłona", "штора", "curtain"),
    ("wazon", "ваза", "vase"),
    ("lustro", "дзеркало", "mirror"),
    ("zegar", "годинник", "clock"),
    ("świeca", "свічка", "candle"),
    ("ręcznik", "рушник", "towel"),
    # garden
    ("łopata", "лопата", "spade"),
    ("grabie", "граблі", "rake"),
    ("konewka", "лійка", "wateringcan"),
    ("doniczka", "вазон", "flowerpot"),
    ("wąż", "шланг", "hose"),
    ("sekator", "секатор", "pruner"),
    ("leżak", "шезлонг", "deckchair"),
    ("hamak", "гамак", "hammock"),
    ("grill", "гриль", "barbecue"),
    ("parasol", "парасоля", "parasol"),
    # sport
    ("piłka", "мʼяч", "ball"),
    ("rakieta", "ракетка", "racket"),
    ("rower", "велосипед", "bicycle"),
    ("kask", "шолом", "helmet"),
    ("mata", "килимок", "mat"),
    ("hantle", "гантелі", "dumbbells"),
    ("plecak", "рюкзак", "backpack"),
    ("namiot", "намет", "tent"),
    ("śpiwór", "спальник", "sleepingbag"),
    ("narty", "лижі", "skis"),
    # toys
    ("klocki", "кубики", "blocks"),
    ("lalka", "лялька", "doll"),
    ("miś", "ведмедик", "teddy"),
    ("puzzle", "пазли", "puzzle"),
    ("samochodzik", "машинка", "toycar"),
    ("bączek", "дзиґа", "spinningtop"),
    ("latawiec", "повітряний", "kite"),
    ("piłeczka", "мʼячик", "rubberball"),
    ("kredki", "олівці", "crayons"),
    ("gra", "гра", "boardgame"),  # noqa: RUF001 (Ukrainian)
    # electronics
    ("słuchawki", "навушники", "headphones"),
    ("głośnik", "колонка", "speaker"),
    ("ładowarka", "зарядка", "charger"),
    ("kabel", "кабель", "cable"),
    ("mysz", "мишка", "mouse"),
    ("klawiatura", "клавіатура", "keyboard"),
    ("monitor", "монітор", "monitor"),
    ("kamera", "камера", "camera"),
    ("latarka", "ліхтарик", "flashlight"),
    ("powerbank", "павербанк", "powerbank"),
    # beauty
    ("szampon", "шампунь", "shampoo"),
    ("mydło", "мило", "soap"),
    ("krem", "крем", "cream"),
    ("perfumy", "парфуми", "perfume"),
    ("szczotka", "щітка", "brush"),
    ("grzebień", "гребінець", "comb"),
    ("lakier", "лак", "varnish"),
    ("pomadka", "помада", "lipstick"),
    ("balsam", "бальзам", "lotion"),
    ("olejek", "олійка", "oil"),
    # office
    ("długopis", "ручка", "pen"),
    ("zeszyt", "зошит", "notebook"),
    ("teczka", "тека", "folder"),
    ("zszywacz", "степлер", "stapler"),
    ("kalendarz", "календар", "calendar"),
    ("linijka", "лінійка", "ruler"),
    ("nożyczki", "ножиці", "scissors"),
    ("gumka", "гумка", "eraser"),
    ("segregator", "реєстратор", "binder"),
    ("tablica", "дошка", "whiteboard"),
]
DEPARTMENTS = [
    "clothing",
    "footwear",
    "kitchen",
    "home",
    "garden",
    "sport",
    "toys",
    "electronics",
    "beauty",
    "office",
]
COLOURS = [
    ("czerwony", "червоний", "red"),
    ("niebieski", "синій", "blue"),
    ("zielony", "зелений", "green"),
    ("żółty", "жовтий", "yellow"),
    ("czarny", "чорний", "black"),
    ("biały", "білий", "white"),
    ("szary", "сірий", "grey"),
    ("różowy", "рожевий", "pink"),
    ("brązowy", "коричневий", "brown"),
    ("fioletowy", "фіолетовий", "purple"),
]
MATERIALS = [
    ("bawełniany", "бавовняний", "cotton"),
    ("lniany", "лляний", "linen"),
    ("wełniany", "вовняний", "wool"),
    ("skórzany", "шкіряний", "leather"),
    ("drewniany", "деревʼяний", "wooden"),
    ("stalowy", "сталевий", "steel"),
    ("szklany", "скляний", "glass"),
    ("plastikowy", "пластиковий", "plastic"),
    ("ceramiczny", "керамічний", "ceramic"),
    ("bambusowy", "бамбуковий", "bamboo"),
]
SIZES = ("S", "M", "L")
CHANNELS = (
    common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_WEB),
    common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_APP),
    common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS),
)


def category_tree() -> list[tuple[str, str | None]]:
    """(slug, parent slug) for 10 departments and 100 kinds, parents first."""
    tree: list[tuple[str, str | None]] = [(d, None) for d in DEPARTMENTS]
    tree += [(f"{KINDS[k][2]}-{k}", DEPARTMENTS[k // 10]) for k in range(len(KINDS))]
    return tree


async def create_categories(catalog: Any) -> dict[str, str]:
    """The category tree made in the catalog (a CatalogService stub); ids by slug."""
    made: dict[str, str] = {}
    for slug, parent in category_tree():
        reply = await catalog.CreateCategory(
            catalog_pb2.CreateCategoryRequest(
                category=catalog_pb2.Category(
                    name=slug, slug=slug, parent_id=made.get(parent or "", "")
                )
            )
        )
        made[slug] = reply.category.id
    return made


def item(number: int, run: str, category_ids: dict[str, str]) -> catalog_pb2.ImportItem:
    """Product `number` (deterministic), with its three listings."""
    rng = random.Random(number)
    kind = number % len(KINDS)
    colour = COLOURS[rng.randrange(len(COLOURS))]
    material = MATERIALS[rng.randrange(len(MATERIALS))]
    texts = {
        language: catalog_pb2.LocalizedText(
            name=f"{KINDS[kind][i]} {colour[i]} {material[i]}"
            if language != "en"
            else f"{colour[i]} {material[i]} {KINDS[kind][i]}"
        )
        for i, language in enumerate(("pl", "uk", "en"))
    }
    sku = f"{run}{number:06d}"
    product = catalog_pb2.Product(
        slug=f"{run.lower()}-{number}",
        status=catalog_pb2.PRODUCT_STATUS_ACTIVE,
        default_language=("pl", "uk", "en")[number % 3],
        texts=texts,
        brand=f"brand{number % 50}",
        category_ids=[category_ids[f"{KINDS[kind][2]}-{kind}"]],
        attributes={"colour": colour[2], "material": material[2]},
        variants=[
            catalog_pb2.Variant(sku=f"{sku}-{size}", attributes={"size": size}) for size in SIZES
        ],
    )
    price = 500 + rng.randrange(50_000)
    listings = [
        catalog_pb2.ChannelListing(
            channel=ref,
            published=True,
            price=common_pb2.Money(amount_minor=price + 100 * index, currency_code="PLN"),
        )
        for index, ref in enumerate(CHANNELS)
    ]
    return catalog_pb2.ImportItem(product=product, listings=listings)
