"""Closed vocabularies shared by the database, the API and the importers."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar


class Amenity(StrEnum):
    DRINKING_WATER = "drinking_water"
    HOT_WATER = "hot_water"
    COOLING = "cooling"
    HEATING = "heating"
    SEATING = "seating"
    TOILET = "toilet"
    PHONE_CHARGING = "phone_charging"
    MICROWAVE = "microwave"
    FIRST_AID = "first_aid"
    WIFI = "wifi"
    UMBRELLA_LENDING = "umbrella_lending"
    TOOL_KIT = "tool_kit"
    EBIKE_PARKING = "ebike_parking"
    EBIKE_CHARGING = "ebike_charging"
    REFRIGERATOR = "refrigerator"
    READING = "reading"
    BATTERY_SWAP = "battery_swap"  # 换电: a rider's e-bike battery swapped for a charged one
    MEALS = "meals"  # often discounted for outdoor workers (爱心餐)
    MEDICINE = "medicine"  # common medicines, beyond a first-aid kit
    LEGAL_AID = "legal_aid"
    HAIRCUT = "haircut"
    SHOWER = "shower"


E = TypeVar("E", bound=StrEnum)


def parse_list(kind: type[E], values: Iterable[str]) -> list[E]:
    """Values of a vocabulary as people send them: repeated (`amenity=a&amenity=b`), separated
    by commas (`amenity=a,b`), or both; each once, in the order given. ValueError names the first
    that is not in it and what is allowed."""
    found: list[E] = []
    for value in values:
        for part in value.split(","):
            try:
                item = kind(part.strip())
            except ValueError:
                allowed = ", ".join(k.value for k in kind)
                raise ValueError(f"{part.strip()!r} is not one of {allowed} (repeat the parameter "
                                 "or separate values with commas)") from None
            if item not in found:
                found.append(item)
    return found


class StationStatus(StrEnum):
    OPERATIONAL = "operational"
    TEMPORARILY_CLOSED = "temporarily_closed"
    PLANNED = "planned"
    REMOVED = "removed"


# As the officers' workbench labels them (api/console/messages.py), so that its words import.
STATUS_LABELS_ZH: dict[StationStatus, str] = {
    StationStatus.OPERATIONAL: "正常开放", StationStatus.TEMPORARILY_CLOSED: "暂停开放",
    StationStatus.PLANNED: "筹建中", StationStatus.REMOVED: "已撤销",
}
STATUS_BY_LABEL: dict[str, StationStatus] = {label: status
                                             for status, label in STATUS_LABELS_ZH.items()}

AMENITY_LABELS_ZH: dict[Amenity, str] = {
    Amenity.DRINKING_WATER: "饮用水",
    Amenity.HOT_WATER: "热水",
    Amenity.COOLING: "空调降温",
    Amenity.HEATING: "取暖",
    Amenity.SEATING: "休息座椅",
    Amenity.TOILET: "卫生间",
    Amenity.PHONE_CHARGING: "手机充电",
    Amenity.MICROWAVE: "微波炉",
    Amenity.FIRST_AID: "急救药箱",
    Amenity.WIFI: "无线网络",
    Amenity.UMBRELLA_LENDING: "雨伞借用",
    Amenity.TOOL_KIT: "维修工具",
    Amenity.EBIKE_PARKING: "电动车停放",
    Amenity.EBIKE_CHARGING: "电动车充电",
    Amenity.REFRIGERATOR: "冰箱",
    Amenity.READING: "书报阅读",
    Amenity.BATTERY_SWAP: "换电",
    Amenity.MEALS: "爱心餐",
    Amenity.MEDICINE: "常用药品",
    Amenity.LEGAL_AID: "法律援助",
    Amenity.HAIRCUT: "理发",
    Amenity.SHOWER: "淋浴",
}
AMENITY_LABELS_EN: dict[Amenity, str] = {
    Amenity.DRINKING_WATER: "Drinking water", Amenity.HOT_WATER: "Hot water",
    Amenity.COOLING: "Air conditioning", Amenity.HEATING: "Heating", Amenity.SEATING: "Seats",
    Amenity.TOILET: "Toilet", Amenity.PHONE_CHARGING: "Phone charging",
    Amenity.MICROWAVE: "Microwave", Amenity.FIRST_AID: "First-aid kit", Amenity.WIFI: "Wi-Fi",
    Amenity.UMBRELLA_LENDING: "Umbrellas to borrow", Amenity.TOOL_KIT: "Repair tools",
    Amenity.EBIKE_PARKING: "E-bike parking", Amenity.EBIKE_CHARGING: "E-bike charging",
    Amenity.REFRIGERATOR: "Fridge", Amenity.READING: "Books and papers",
    Amenity.BATTERY_SWAP: "Battery swap", Amenity.MEALS: "Meals (often discounted)",
    Amenity.MEDICINE: "Common medicines", Amenity.LEGAL_AID: "Legal aid",
    Amenity.HAIRCUT: "Haircuts", Amenity.SHOWER: "Shower",
}

AMENITY_BY_LABEL: dict[str, Amenity] = {label: amenity for amenity, label in AMENITY_LABELS_ZH.items()}


class UnionLevel(StrEnum):
    """The tree of area unions, from the widest to the most specific."""

    CITY = "city"
    DISTRICT = "district"
    STREET = "street"  # street, town or industrial park (街道 / 乡镇 / 园区)
    COMMUNITY = "community"  # community or village (社区 / 村)
    GRID = "grid"

    @property
    def rank(self) -> int:
        return RANKS[self]

    @classmethod
    def parse(cls, text: str) -> UnionLevel:
        """A level as data files name it: the value, or another word for the same level in
        English or Chinese (`village`, `村`, `town`, `乡镇`…). ValueError names what is allowed."""
        word = text.strip().lower().replace(" ", "_").replace("-", "_")
        found = LEVEL_WORDS.get(word)
        if found is None:
            others = ", ".join(w for w in LEVEL_WORDS if w not in cls._value2member_map_)
            raise ValueError(f"level {text!r} is not one of {', '.join(cls)} (other words for "
                             f"them are taken too: {others})")
        return found

    @property
    def needs_area(self) -> bool:
        """Street, community and grid unions (联合工会) cover everyone working in their area; a
        city or district federation (总工会) may be no more than the top of the tree."""
        return self.rank >= UnionLevel.STREET.rank


# A level's place from the widest (0): read for every candidate of every match, so worked out once.
RANKS: dict[str, int] = {level: rank for rank, level in enumerate(UnionLevel)}
LEVEL_WORDS: dict[str, UnionLevel] = {
    **{level.value: level for level in UnionLevel},
    "市": UnionLevel.CITY,
    "county": UnionLevel.DISTRICT, "区": UnionLevel.DISTRICT, "县": UnionLevel.DISTRICT,
    "town": UnionLevel.STREET, "township": UnionLevel.STREET,
    "industrial_park": UnionLevel.STREET, "街道": UnionLevel.STREET, "乡": UnionLevel.STREET,
    "镇": UnionLevel.STREET, "乡镇": UnionLevel.STREET, "园区": UnionLevel.STREET,
    "village": UnionLevel.COMMUNITY, "社区": UnionLevel.COMMUNITY, "村": UnionLevel.COMMUNITY,
    "网格": UnionLevel.GRID,
}

# The trade unions' national hotline for workers (职工服务热线), answered in every city.
UNION_HOTLINE = "12351"
