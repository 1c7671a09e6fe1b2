#!/usr/bin/env python3
"""Reference customer generator for scripts/bench-generate.sh.

Generates pet-shop customers the way OpsLake's predecessor did: Faker with the
zh_TW locale builds each customer, and a Pydantic v2 model validates every row
before it is written to CSV. The fields and their formats match OpsLake's
petshop.customers, so both sides do the same job: draw the values, check them
against the same rules, write one CSV file with one header.

    customers_faker.py --rows 50000 --out customers.csv --seed 1

Prints one JSON line on stdout: {"rows": N, "seconds": S, "bytes": B}, where
seconds covers generation, validation and writing (the file is closed inside the
timed span) and bytes is the size of the CSV file.
"""
import argparse
import csv
import datetime as dt
import json
import os
import sys
import time
from collections import OrderedDict
from typing import Literal, Optional

from faker import Faker
from pydantic import BaseModel, Field

TAIPEI = dt.timezone(dt.timedelta(hours=8))


class Customer(BaseModel):
    customer_id: str = Field(pattern=r"^C[0-9]{8}$")
    name: str = Field(min_length=1, max_length=40)
    gender: Literal["F", "M"]
    birthday: dt.date
    mobile: str = Field(pattern=r"^09[0-9]{2}-[0-9]{3}-[0-9]{3}$")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", max_length=254)
    city: str = Field(min_length=1, max_length=20)
    district: str = Field(min_length=1, max_length=20)
    postal_code: str = Field(pattern=r"^[0-9]{3}$")
    address: str = Field(min_length=1, max_length=200)
    registered_at: dt.datetime
    dogs: int = Field(ge=0, le=9)
    cats: int = Field(ge=0, le=9)
    dog_size: Optional[Literal["small", "medium", "large"]]
    acquisition_channel: Literal["organic_search", "paid_search", "social", "line", "referral", "pet_expo"]


# OpsLake's shares (Members.swift): acquisition channels, households, pets per household, dog sizes.
CHANNELS = OrderedDict([("organic_search", 0.28), ("paid_search", 0.20), ("social", 0.22),
                        ("line", 0.12), ("referral", 0.12), ("pet_expo", 0.06)])
PETS = OrderedDict([("dog", 0.50), ("cat", 0.38), ("both", 0.12)])
PET_COUNT = OrderedDict([(1, 0.70), (2, 0.22), (3, 0.08)])
DOG_SIZES = OrderedDict([("small", 0.55), ("medium", 0.30), ("large", 0.15)])

FIELDS = list(Customer.model_fields)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50000, help="customers to generate (default 50000)")
    parser.add_argument("--out", default="customers.csv", help="CSV file to write (default customers.csv)")
    parser.add_argument("--seed", type=int, default=1, help="Faker seed (default 1)")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1),
                        help="day of registered_at, Asia/Taipei (default 2025-01-01)")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be 0 or more")

    Faker.seed(args.seed)
    fake = Faker("zh_TW")
    day_start = dt.datetime.combine(args.day, dt.time(0, 0), tzinfo=TAIPEI)
    day_end = day_start + dt.timedelta(seconds=86399)

    start = time.perf_counter()
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(FIELDS)
        for i in range(1, args.rows + 1):
            gender = fake.random_element(("F", "M"))
            name = fake.name_female() if gender == "F" else fake.name_male()
            pets, n = fake.random_element(PETS), fake.random_element(PET_COUNT)
            dogs, cats = {"dog": (n, 0), "cat": (0, n), "both": (max(1, n - 1), 1)}[pets]
            # zh_TW has no district provider: a township name from the same
            # provider's list with the 區 suffix stands in for it. Its postcodes are
            # 3 or 5 digits; the first 3 are the township code OpsLake writes.
            customer = Customer(
                customer_id=f"C{i:08d}",
                name=name,
                gender=gender,
                birthday=fake.date_of_birth(minimum_age=18, maximum_age=75),
                mobile=fake.numerify("09##-###-###"),
                email=fake.email(),
                city=fake.city(),
                district=fake.city_name() + "區",
                postal_code=fake.postcode()[:3],
                address=fake.street_address(),
                registered_at=fake.date_time_between(start_date=day_start, end_date=day_end, tzinfo=TAIPEI).replace(microsecond=0),
                dogs=dogs,
                cats=cats,
                dog_size=fake.random_element(DOG_SIZES) if dogs else None,
                acquisition_channel=fake.random_element(CHANNELS),
            )
            # JSON mode gives ISO 8601 dates and datetimes with their +08:00 offset.
            writer.writerow(customer.model_dump(mode="json").values())
    seconds = time.perf_counter() - start

    print(json.dumps({"rows": args.rows, "seconds": round(seconds, 6), "bytes": os.path.getsize(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
