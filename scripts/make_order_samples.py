"""Write examples/vendors/orders/: seeded Shopify, WooCommerce, Taobao and Meituan Waimai exports
in the shapes their APIs return (Meituan's: its order push, one pushed order a line), with
deliberate problems. Rerun only to change the samples on purpose."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

OUT = Path("examples/vendors/orders")
LINLI_SOURCES = Path("examples/vendors/linli-market/sources")  # its manifest names only its own
RNG = random.Random(3)
GOODS = [
    ("VEG-001", "有机小白菜 500g", "6.50"),
    ("EGG-030", "土鸡蛋 30枚", "39.90"),
    ("MLK-1L", "鲜牛奶 1L", "12.80"),
    ("RCE-5K", "东北大米 5kg", "45.00"),
    ("BP-MON", "Blood pressure monitor", "39.99"),
    ("MSK-50", "医用口罩 50只", "19.90"),
]


def items(count: int) -> list[tuple[str, str, int, Decimal]]:
    return [
        (sku, name, RNG.randrange(1, 4), Decimal(price))
        for sku, name, price in RNG.sample(GOODS, count)
    ]


def shopify(n: int) -> dict:
    orders = []
    for i in range(n):
        lines = items(RNG.randrange(1, 4))
        gross = sum(q * p for _, _, q, p in lines)  # total_line_items_price: before discounts
        off = Decimal("3.00") if i % 6 == 0 else Decimal("0.00")  # on the first line
        shipping = Decimal("5.00") if gross < 50 else Decimal("0.00")
        tax = ((gross - off) * Decimal("0.08")).quantize(Decimal("0.01"))
        financial = RNG.choice(["paid", "paid", "paid", "authorized", "pending", "refunded"])
        fulfilled = financial == "paid" and RNG.random() < 0.6
        order = {
            "id": 5_100_000 + i,
            "name": f"#{1000 + i}",
            "order_number": 1000 + i,
            "created_at": f"2024-04-{1 + i % 28:02d}T{8 + i % 12:02d}:{i % 60:02d}:00-04:00",
            "currency": "USD",
            "financial_status": financial,
            "fulfillment_status": "fulfilled" if fulfilled else None,
            "taxes_included": False,
            "total_line_items_price": str(gross),
            "subtotal_price": str(gross - off),
            "total_discounts": str(off),
            "total_tax": str(tax),
            "total_price": str(gross - off + shipping + tax),
            "email": f"buyer{i}@example.org",
            "line_items": [
                {
                    "sku": s,
                    "name": nm,
                    "title": nm,
                    "quantity": q,
                    "price": str(p),
                    "total_discount": str(off if k == 0 else Decimal("0.00")),
                }
                for k, (s, nm, q, p) in enumerate(lines)
            ],
            "shipping_lines": [{"title": "Standard", "price": str(shipping)}],
            "shipping_address": {
                "name": f"Customer {i}",
                "phone": f"+1415555{i % 10000:04d}",
                "address1": f"{i} Market St",
                "city": "San Francisco",
                "province": "California",
                "zip": "94103",
                "country_code": "US",
            },
            "fulfillments": [
                {
                    "id": 7_000 + i,
                    "tracking_company": "UPS",
                    "tracking_number": f"1Z999AA1{i:08d}",
                    "shipment_status": RNG.choice(
                        ["in_transit", "delivered", "out_for_delivery", None]
                    ),
                    "updated_at": f"2024-04-{1 + i % 28:02d}T18:00:00-04:00",
                }
            ]
            if fulfilled
            else [],
        }
        orders.append(order)
    orders[7]["financial_status"] = "chargeback"  # not in Shopify's documented values
    orders[19]["total_price"] = "12,50"  # a decimal comma from a spreadsheet round trip
    return {"orders": orders}


def woocommerce(n: int) -> list:
    orders = []
    for i in range(n):
        lines = items(RNG.randrange(1, 4))
        fee = [{"name": "送货上门服务费", "total": "2.00"}] if i % 5 == 0 else []
        coupon = Decimal("5.00") if i % 7 == 0 else Decimal("0")  # taken off the first line
        grand = sum(q * p for _, _, q, p in lines) - coupon + sum(Decimal(f["total"]) for f in fee)
        orders.append(
            {
                "id": 880 + i,
                "number": str(880 + i),
                "status": RNG.choice(
                    ["processing", "completed", "completed", "on-hold", "cancelled", "refunded"]
                ),
                "currency": "CNY",
                "date_created": f"2024-05-{1 + i % 28:02d}T{9 + i % 10:02d}:15:00",
                "date_created_gmt": f"2024-05-{1 + i % 28:02d}T{1 + i % 10:02d}:15:00",
                "prices_include_tax": True,
                "discount_total": str(coupon),
                "shipping_total": "0.00",
                "total_tax": "0.00",
                "total": str(grand),
                "billing": {
                    "first_name": "住户",
                    "last_name": str(i),
                    "email": f"r{i}@example.cn",
                    "phone": f"139{RNG.randrange(10**8):08d}",
                },
                "shipping": {
                    "first_name": "王",
                    "last_name": "女士",
                    "address_1": f"联洋花园{1 + i % 20}幢",
                    "city": "上海市",
                    "state": "上海",
                    "postcode": "201204",
                    "country": "CN",
                },
                "line_items": [
                    {
                        "sku": s,
                        "name": nm,
                        "quantity": q,
                        "price": float(p),
                        "subtotal": str(q * p),
                        "total": str(q * p - (coupon if k == 0 else 0)),
                    }
                    for k, (s, nm, q, p) in enumerate(lines)
                ],
                "fee_lines": fee,
                "coupon_lines": [{"code": "NEIGHBOUR5", "discount": str(coupon)}] if coupon else [],
                "payment_method": "wechat",
                "customer_id": 40 + i % 30,
            }
        )
    orders[11]["line_items"][0]["quantity"] = 0  # a zero-quantity line
    del orders[23]["total"]
    return orders


def taobao_pages(n: int, per_page: int = 40) -> list[dict]:
    trades = []
    for i in range(n):
        lines = items(RNG.randrange(1, 3))
        goods = sum(q * p for _, _, q, p in lines)  # total_fee: price * num, before discounts
        status = RNG.choice(
            [
                "WAIT_SELLER_SEND_GOODS",
                "WAIT_BUYER_CONFIRM_GOODS",
                "TRADE_FINISHED",
                "TRADE_FINISHED",
                "TRADE_CLOSED",
                "TRADE_CLOSED_BY_TAOBAO",
                "WAIT_BUYER_PAY",
            ]
        )
        discount = Decimal("2.00") if i % 4 == 0 else Decimal("0.00")  # a shop coupon
        post = Decimal("6.00") if goods < 30 else Decimal("0.00")
        unpaid = status in ("TRADE_CLOSED_BY_TAOBAO", "WAIT_BUYER_PAY")
        paid = Decimal("0.00") if unpaid else goods - discount + post
        consigned = status in ("WAIT_BUYER_CONFIRM_GOODS", "TRADE_FINISHED")
        trades.append(
            {
                "tid": 3_456_789_000_000 + i,
                "status": status,
                "created": f"2024-05-{1 + i % 28:02d} {10 + i % 12:02d}:{i % 60:02d}:05",
                "pay_time": f"2024-05-{1 + i % 28:02d} {10 + i % 12:02d}:{i % 60:02d}:40",
                "seller_nick": "联洋生鲜店",
                "consign_time": f"2024-05-{1 + i % 28:02d} 18:30:00" if consigned else None,
                "total_fee": str(goods),
                "post_fee": str(post),
                "discount_fee": str(discount),
                "payment": str(paid),
                "buyer_nick": "t**1",
                "receiver_name": RNG.choice(["李*", "王*", "张**"]),
                "receiver_mobile": f"13{RNG.randrange(5, 9)}****{RNG.randrange(10**4):04d}",
                "receiver_state": "上海",
                "receiver_city": "上海市",
                "receiver_district": "浦东新区",
                "receiver_address": "花木街道联洋社区**号",
                "receiver_zip": "201204",
                "orders": {
                    "order": [
                        {
                            "oid": 3_456_789_000_000 * 10 + i * 10 + k,
                            **({"outer_iid": s} if (i + k) % 9 else {}),  # some have none
                            "title": nm,
                            "num": q,
                            "price": str(p),
                            "total_fee": str(q * p),
                            "payment": "0.00" if unpaid else str(q * p),
                            **(
                                {
                                    "logistics_company": "顺丰速运",
                                    "invoice_no": f"SF{1_300_000_000 + i}",
                                }
                                if consigned
                                else {}
                            ),
                        }
                        for k, (s, nm, q, p) in enumerate(lines)
                    ]
                },
            }
        )
    trades[0].update(  # closed before payment: a 35.00 order, of which nothing was paid
        status="TRADE_CLOSED_BY_TAOBAO",
        consign_time=None,
        total_fee="35.00",
        post_fee="0.00",
        discount_fee="0.00",
        payment="0.00",
    )
    trades[0]["orders"]["order"] = [
        {
            "oid": 34_567_890_000_000_001,
            "title": "手工水饺 1kg",
            "num": 1,
            "price": "35.00",
            "total_fee": "35.00",
            "payment": "0.00",
        }
    ]
    trades[5]["status"] = "TRADE_UNKNOWN_STATE"
    trades[33]["created"] = "05/01/2024 10:00"
    return [
        {
            "trades_sold_get_response": {
                "total_results": n,
                "has_next": end < n,
                "trades": {"trade": trades[start:end]},
            }
        }
        for start, end in ((s, min(s + per_page, n)) for s in range(0, n, per_page))
    ]


DISHES = [  # app_food_code, food_name, price (yuan), box price
    ("F-101", "宫保鸡丁饭", "22.00", "1.00"),
    ("F-102", "番茄牛腩面", "26.50", "1.50"),
    ("F-205", "清炒时蔬", "12.00", "0.50"),
    ("F-301", "酸梅汤 500ml", "6.00", "0.00"),
]
MEITUAN_STATUS = [2, 4, 4, 6, 8, 8, 8, 9]  # pushed, confirmed, delivering, done, cancelled


def meituan(n: int) -> list[dict]:
    """Meituan Waimai order pushes: epoch-second times (a number or its text), amounts in yuan
    as numbers, `detail`, `extras` and `poi_receive_detail` as JSON text, the amount paid in
    fen inside `poi_receive_detail`, privacy (virtual) phone numbers."""
    orders = []
    for i in range(n):
        picked = RNG.sample(DISHES, RNG.randrange(1, 4))
        detail = [
            {"app_food_code": code, "food_name": name, "sku_id": f"{code}-S", "quantity": q,
             "price": float(price), "box_num": q if box != "0.00" else 0, "box_price": float(box),
             "unit": "份", "food_discount": 1, "spec": ""}
            for code, name, price, box in picked
            for q in [RNG.randrange(1, 3)]
        ]  # fmt: skip
        goods = sum(Decimal(str(d["price"])) * d["quantity"] for d in detail)
        boxes = sum(Decimal(str(d["box_price"])) * d["box_num"] for d in detail)
        shipping = Decimal("3.5") if i % 3 else Decimal("0")
        reduce = Decimal("5") if goods + boxes >= 30 else Decimal("0")
        extras = [{"reduce_fee": float(reduce), "mt_charge": 2.0, "poi_charge": float(reduce) - 2,
                   "remark": "满30减5", "type": 2}] if reduce else []  # fmt: skip
        total = goods + boxes + shipping - reduce
        ctime = 1714521600 + i * 617
        order = {
            "order_id": 27_061_900_338_300_000 + i,
            "wm_order_id_view": str(27_061_900_338_300_000 + i),
            "app_poi_code": "sq-kitchen-01",
            "wm_poi_name": "社区鲜食厨房(文三路店)",
            "wm_poi_address": "杭州市西湖区文三路 100 号",
            "wm_poi_phone": "0571-88880000",
            "recipient_name": RNG.choice(["张(先生)", "李(女士)", "王(先生)"]),
            "recipient_phone": f"1380000{1000 + i % 9000:04d}_{RNG.randrange(1000, 9999)}",
            "backup_recipient_phone": json.dumps([f"1380000{2000 + i % 7000:04d}_1234"]),
            "recipient_address": "浙江省杭州市西湖区文三路 1 号 3 单元 502",
            "latitude": 30.2799 + i / 1e5,
            "longitude": 120.1301 + i / 1e5,
            "shipping_fee": float(shipping),
            "total": float(total),
            "original_price": float(goods + boxes + shipping),
            "caution": RNG.choice(["", "少放辣", "不要葱"]),
            "status": MEITUAN_STATUS[i % len(MEITUAN_STATUS)],
            "city_id": 330100,
            "has_invoiced": 0,
            "invoice_title": "",
            "ctime": ctime if i % 2 else str(ctime),
            "utime": ctime + 120,
            "delivery_time": 0,
            "is_third_shipping": 0,
            "pay_type": 2,
            "day_seq": 1 + i % 60,
            "detail": json.dumps(detail, ensure_ascii=False),
            "extras": json.dumps(extras, ensure_ascii=False),
            "poi_receive_detail": json.dumps(
                {
                    "onlinePayment": int(total * 100),
                    "logisticsFee": int(shipping * 100),
                    "foodShareFeeChargeByPoi": 0,
                    "wmPoiReceiveCent": int(total * 90),
                }
            ),
        }
        orders.append(order)
    orders[17]["status"] = 99  # not a status of the push
    orders[41]["detail"] = orders[41]["detail"][:-9]  # text cut short: not a JSON document
    return orders


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "shopify-orders.json").write_text(
        json.dumps(shopify(200), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (OUT / "woocommerce-orders.json").write_text(
        json.dumps(woocommerce(200), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    pages = taobao_pages(200)
    trades = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages)
    (OUT / "taobao-trades.ndjson").write_text(trades, encoding="utf-8")
    pushes = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in meituan(200))
    (OUT / "meituan-waimai-orders.ndjson").write_text(pushes, encoding="utf-8")
    LINLI_SOURCES.mkdir(parents=True, exist_ok=True)
    (LINLI_SOURCES / "taobao-trades.ndjson").write_text(trades, encoding="utf-8")


if __name__ == "__main__":
    main()
