"""Writes the demo catalog, libs/ops/src/omni_ops/demo_data/products.csv: 50 products with
2-4 variants each, prices on every channel but marketplaces (a partner's id is made when the
partner is), and stock at every demo location. Run it again after changing it, and commit the
file: `omni demo load` imports the file, not this script."""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

from omni_gateway.bulk.rows import COLUMNS, Price, ProductRow

OUT = Path(__file__).resolve().parents[1] / "libs/ops/src/omni_ops/demo_data/products.csv"
LOCATIONS = ("BER-01", "BER-02", "HAM-01", "WH-LEJ")
CHANNELS = ("web", "app", "pos", "social", "messenger", "phone")
SIZES = ("S", "M", "L", "XL")
# (category path, kind of product, material, base price in cents, variant axis)
RANGES = [
    ("/women/dresses", "dress", "cotton", 5990, "size"),
    ("/women/shirts", "blouse", "linen", 3990, "size"),
    ("/men/shirts", "shirt", "linen", 3990, "size"),
    ("/men/trousers", "chinos", "cotton", 4990, "size"),
    ("/shoes", "sneaker", "leather", 7990, "shoe"),
    ("/home/kitchen", "mug", "stoneware", 1290, "colour"),
    ("/home/textiles", "throw", "wool", 4490, "colour"),
    ("/accessories/bags", "tote", "canvas", 2490, "colour"),
]
STYLES = ["Alba", "Brisa", "Cora", "Delta", "Elm", "Fjord", "Gala"]
COLOURS = ("white", "navy", "sage", "sand")


def level(*parts: str) -> int:
    return zlib.crc32("/".join(parts).encode()) % 20


def rows() -> list[ProductRow]:
    made = []
    for n in range(50):
        category, kind, material, base, axis = RANGES[n % len(RANGES)]
        style = STYLES[n // len(RANGES)]
        slug = f"{style.lower()}-{kind}"
        price = base + 100 * (n // len(RANGES))
        variants = {
            "size": [{"size": s} for s in SIZES[: 2 + n % 3]],
            "shoe": [{"size": str(s)} for s in range(38, 41 + n % 3)],
            "colour": [{"colour": c} for c in COLOURS[: 2 + n % 3]],
        }[axis]
        for options in variants:
            made.append(
                ProductRow(
                    slug=slug,
                    sku=f"{slug.upper()}-{'-'.join(options.values()).upper()}",
                    name=f"{style} {kind}",
                    brand="Omni Basics",
                    description=f"The {style} {kind} in {material}.",
                    categories=[category],
                    attributes={"material": material},
                    options=options,
                    weight_grams=200 + 50 * (n % 7),
                    prices={c: Price(price - (100 if c == "pos" else 0), "EUR") for c in CHANNELS},
                    stock={
                        code: 1 + level(slug, str(options), code) * (5 if code == "WH-LEJ" else 1)
                        for code in LOCATIONS
                    },
                )
            )
    return made


def main() -> None:
    with OUT.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows():
            writer.writerow(row.to_csv())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
