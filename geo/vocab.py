"""Closed vocabularies shared by the database, the API and the importers."""

from enum import StrEnum


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


class StationStatus(StrEnum):
    OPERATIONAL = "operational"
    TEMPORARILY_CLOSED = "temporarily_closed"
    PLANNED = "planned"
    REMOVED = "removed"


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
}


class UnionLevel(StrEnum):
    """The tree of area unions, from the widest to the most specific."""

    CITY = "city"
    DISTRICT = "district"
    STREET = "street"  # street, town or industrial park (街道 / 乡镇 / 园区)
    COMMUNITY = "community"  # community or village (社区 / 村)
    GRID = "grid"

    @property
    def rank(self) -> int:
        return list(UnionLevel).index(self)

    @property
    def needs_area(self) -> bool:
        """Street, community and grid unions (联合工会) cover everyone working in their area; a
        city or district federation (总工会) may be no more than the top of the tree."""
        return self.rank >= UnionLevel.STREET.rank
