#!/usr/bin/env python3
"""Copies the parts of the Taiwan reference data the pet-shop generator uses into
Sources/PetShop/Resources/, keeping every file's sources and notes.

    scripts/trim-reference-data.py PATH/TO/data/taiwan

The trimmed files are compiled into the binary (SwiftPM embedInCode), so a
generated lake does not depend on files installed beside `opslake`. Rerun this when
the reference data is revised, then regenerate and compare a lake.
"""
import json
import pathlib
import sys

src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/taiwan")
out = pathlib.Path(__file__).resolve().parent.parent / "Sources/PetShop/Resources"


def load(name):
    return json.loads((src / name).read_text(encoding="utf-8"))


def save(name, data):
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    (out / name).write_text(text + "\n", encoding="utf-8")


TRIMMED = "Trimmed for OpsLake by scripts/trim-reference-data.py: only the fields the generator reads."

s = load("surnames.json")
save("surnames.json", {
    "sources": s["sources"], "notes": s["notes"] + [TRIMMED], "reference_date": s["reference_date"],
    "surnames": [{"surname": x["surname"], "population": x["population"], "romanization": x.get("romanization_tw", "")}
                 for x in s["surnames"]],
})

g = load("given_name_chars.json")
save("given_names.json", {
    "sources": g["sources"], "notes": g["notes"] + [TRIMMED], "reference_date": g["reference_date"],
    "top100_male": [{"name": x["name"], "population": x["population"]} for x in g["top100_male"]],
    "top100_female": [{"name": x["name"], "population": x["population"]} for x in g["top100_female"]],
    "male_chars": [{"char": x["char"], "weight": x["weight"]} for x in g["male_chars"]],
    "female_chars": [{"char": x["char"], "weight": x["weight"]} for x in g["female_chars"]],
})

d = load("divisions.json")
save("divisions.json", {
    "sources": d["sources"], "notes": d["notes"] + [TRIMMED], "reference_dates": d["reference_dates"],
    "divisions": [{
        "name": x["name_zh"], "population": x["population_2025_12"],
        "townships": [{"name": t["name_zh"], "zip3": t["zip3"], "share": t["share_of_division_2021_03"]}
                      for t in x["townships"]],
    } for x in d["divisions"]],
})

# Roads come per township from Chunghwa Post's list (scripts/make-taiwan-roads.py),
# not from the most common names.
c = load("contact.json")
save("contact.json", {
    "sources": [x for x in c["sources"] if "TaiwanAddressCityAreaRoad" not in x["url"]],
    "notes": [n for n in c["notes"] if "common_road_names" not in n] + [TRIMMED],
    "mobile_prefixes": c["mobile"]["consumer_prefixes"],
    "email_domains": [{"domain": x["domain"], "share": x["share_estimate"]}
                      for x in c["email"]["domains"] if not x["domain"].startswith("other")],
    "number_ranges_estimate": c["address"]["number_ranges_estimate"],
    "probability_estimate": c["address"]["probability_estimate"],
})

# Product naming: the catalogue's free-text subtypes and pack sizes, restated as clean
# name parts and ordered pack labels per pet type (smallest first). Derived here from
# pet_catalogue.json's `subtypes` and `pack_sizes`; a pack's price rises with its
# position in the list, inside the category's price band.
NAMING = {
    "feed": {"dog": (["幼犬", "成犬", "高齡犬", "無穀", "小型犬", "大型犬", "腸胃保健", "體重控制"], ["1.5kg", "2kg", "3kg", "6kg", "7kg", "10kg", "12kg", "15kg"]),
             "cat": (["幼貓", "成貓", "高齡貓", "無穀", "室內貓", "泌尿道保健", "化毛"], ["400g", "1.5kg", "2kg", "4kg", "6kg", "7kg", "10kg"])},
    "canned": {"dog": (["主食罐", "副食罐", "餐盒", "雞肉", "牛肉"], ["100g", "375g", "400g", "12入箱", "24入箱"]),
               "cat": (["主食罐", "副食罐", "餐包", "慕斯", "鮪魚", "雞肉"], ["70g", "80g", "85g", "160g", "170g", "24入箱"])},
    "pee_pads": {"dog": (["一般", "加厚超吸收", "活性碳除臭"], ["S 100片", "M 50片", "L 25片", "XL 12片"]),
                 "cat": (["雙層砂盆墊", "活性碳除臭"], ["S 100片", "M 50片", "L 25片"])},
    "cat_litter": {"cat": (["礦砂", "豆腐砂", "松木砂", "紙砂", "水晶砂", "混合砂", "木薯砂"], ["5L", "6L", "7L", "10L", "20L"])},
    "snacks": {"dog": (["肉乾", "肉條", "起司條", "餅乾", "雞肉片"], ["50g", "100g", "150g", "200g", "400g"]),
               "cat": (["肉泥", "肉條", "貓草", "貓薄荷", "魚乾"], ["4入", "30g", "50g", "80g", "20入"])},
    "dental_chews": {"dog": (["潔牙骨", "潔牙棒", "VOHC認證潔牙骨"], ["7入", "170g", "340g", "510g", "28入"]),
                     "cat": (["潔牙餅乾"], ["60g", "90g", "130g"])},
    "supplements": {"dog": (["益生菌", "魚油", "綜合維他命", "關節保健", "葉黃素"], ["30錠", "60錠", "90錠", "120錠"]),
                    "cat": (["益生菌", "魚油", "離胺酸", "化毛膏", "腎臟保健", "泌尿道保健"], ["30包", "60g", "100g", "120錠"])},
    "freeze_dried": {"dog": (["雞胸凍乾", "鮭魚凍乾", "鹿肉凍乾", "主食凍乾"], ["30g", "70g", "100g", "150g", "320g", "500g"]),
                     "cat": (["雞胸凍乾", "鮭魚凍乾", "白蝦凍乾", "主食凍乾", "凍乾拌糧"], ["30g", "40g", "70g", "100g", "320g"])},
    "toys": {"dog": (["啃咬玩具", "漏食玩具", "拋擲球", "拔河繩"], ["單入", "3入組"]),
             "cat": (["逗貓棒", "貓隧道", "貓抓板", "電動逗貓球", "薄荷玩具"], ["單入", "3入組"])},
    "supplies": {"dog": (["碗", "飲水機", "外出籠", "牽繩", "胸背帶", "睡床", "指甲剪", "洗毛精", "自動餵食器"], ["單入"]),
                 "cat": (["碗", "飲水機", "貓砂盆", "砂鏟", "外出包", "貓跳台", "梳子", "洗毛精", "自動餵食器"], ["單入"])},
}

p = load("pet_catalogue.json")
categories = []
for x in p["categories"]:
    naming = NAMING[x["key"]]
    categories.append({
        "key": x["key"], "name": x["name_zh"], "essential": x["essential"],
        "price_band": {k: x["price_band_twd_per_pack"][k] for k in ("low", "typical", "high")},
        "brands": [{"name": b["name_zh"], "pet_types": b.get("pet_types", x["pet_types"])} for b in x["brands"]],
        "naming": {pet: {"kinds": kinds, "packs": packs} for pet, (kinds, packs) in naming.items()},
    })
save("pet_catalogue.json", {
    "sources": p["sources"],
    "notes": p["notes"] + [TRIMMED, "`naming` (kinds and ordered pack labels per pet type) is derived by the trim script "
                           "from the source's free-text `subtypes` and `pack_sizes`."],
    "categories": categories,
})
print("wrote", ", ".join(sorted(f.name for f in out.glob("*.json"))))
