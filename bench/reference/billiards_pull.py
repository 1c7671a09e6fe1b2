"""The reference for `opslake billiards pull` in bench/: a pull written the way the
Python ETL it replaces pulls (requests, json, one request at a time).

For every store and endpoint, one window per business day (08:00 to 08:00
Asia/Shanghai) from --from to --to, and for master data (windowed on updateTime,
settlements aside) first one window of everything changed before --from, as a
first pull asks; every page until the total is reached (a
`requests.Session`, a timeout, three retries with backoff on errors, 5xx and 429);
for settlement_ticket_details the settlement list of the window, then one request
per settlement made in it. Each record becomes an ODS row as opslake writes it
(store_id, source_key, payload, source_endpoint, version_time) in an NDJSON file per
(dataset, business day); the payload is the record re-serialised with json.dumps, as
the old ETL stored it. Prints one JSON line: requests, records, bytes received, seconds.

Usage: python billiards_pull.py --base URL --token-file F --stores 1,2 --from D --to D --out DIR
"""

import argparse
import datetime as dt
import json
import os
import sys
import time

import requests

# The 23 endpoints: dataset, path, list path, key fields, version field, date field.
ENDPOINTS = [
    ("assistant_accounts_master", "/PersonnelManagement/SearchAssistantInfo", "data.assistantInfos", ["id"], "updateTime", "updateTime"),
    ("assistant_service_records", "/AssistantPerformance/GetOrderAssistantDetails", "data.orderAssistantDetails", ["id"], "createTime", "createTime"),
    ("assistant_cancellation_records", "/AssistantPerformance/GetAbolitionAssistant", "data.abolitionAssistants", ["id"], "createTime", "createTime"),
    ("goods_stock_movements", "/GoodsStockManage/QueryGoodsOutboundReceipt", "data.queryDeliveryRecordsList", ["id"], "createTime", "createTime"),
    ("goods_stock_summary", "/TenantGoods/GetGoodsStockReport", "data", ["siteGoodsId", "reportDate"], "createTime", "createTime"),
    ("group_buy_packages", "/PackageCoupon/QueryPackageCouponList", "data.packageCouponList", ["id"], "updateTime", "updateTime"),
    ("group_buy_redemption_records", "/Site/GetSiteTableUseDetails", "data.siteTableUseDetailsList", ["id"], "createTime", "createTime"),
    ("member_balance_changes", "/MemberProfile/GetMemberCardBalanceChange", "data.tenantMemberCardLogs", ["id"], "createTime", "createTime"),
    ("member_profiles", "/MemberProfile/GetTenantMemberList", "data.tenantMemberInfos", ["id"], "updateTime", "updateTime"),
    ("member_stored_value_cards", "/MemberProfile/GetTenantMemberCardList", "data.tenantMemberCards", ["id"], "updateTime", "updateTime"),
    ("payment_transactions", "/PayLog/GetPayLogListPage", "data", ["id"], "createTime", "createTime"),
    ("platform_coupon_redemption_records", "/Promotion/GetOfflineCouponConsumePageList", "data", ["id"], "createTime", "createTime"),
    ("recharge_settlements", "/Site/GetRechargeSettleList", "data.settleList", ["id"], "createTime", "createTime"),
    ("refund_transactions", "/Order/GetRefundPayLogList", "data", ["id"], "createTime", "createTime"),
    ("settlement_records", "/Site/GetAllOrderSettleList", "data.settleList", ["id"], "updateTime", "createTime"),
    ("settlement_ticket_details", "/Order/GetOrderSettleTicketNew", None, ["orderSettleId"], "createTime", "createTime"),
    ("site_tables_master", "/Table/GetSiteTables", "data.siteTables", ["id"], "updateTime", "updateTime"),
    ("stock_goods_category_tree", "/TenantGoodsCategory/QueryPrimarySecondaryCategory", "data.goodsCategoryList", ["id"], "updateTime", "updateTime"),
    ("store_goods_master", "/TenantGoods/GetGoodsInventoryList", "data.orderGoodsList", ["id"], "updateTime", "updateTime"),
    ("store_goods_sales_records", "/TenantGoods/GetGoodsSalesList", "data.orderGoodsLedgers", ["id"], "createTime", "createTime"),
    ("table_fee_discount_records", "/Site/GetTaiFeeAdjustList", "data.taiFeeAdjustInfos", ["id"], "createTime", "createTime"),
    ("table_fee_transactions", "/Site/GetSiteTableOrderDetails", "data.siteTableUseDetailsList", ["id"], "createTime", "createTime"),
    ("tenant_goods_master", "/TenantGoods/QueryTenantGoods", "data.tenantGoodsList", ["id"], "updateTime", "updateTime"),
]


class APIClient:
    def __init__(self, base, token, timeout=30, retries=3):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token
        self.timeout = timeout
        self.retries = retries
        self.requests = 0
        self.bytes = 0

    def get(self, path, params):
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                r = self.session.get(self.base + path, params=params, timeout=self.timeout)
                self.bytes += len(r.content)
                if r.status_code == 429 or r.status_code >= 500:
                    raise requests.HTTPError(f"HTTP {r.status_code}")
                r.raise_for_status()
                body = r.json()
                if body.get("code") != 0:
                    raise ValueError(f"{path}: code {body.get('code')}: {body.get('message')}")
                return body
            except (requests.RequestException, ValueError):
                if attempt == self.retries:
                    raise
                time.sleep(0.5 * 2 ** attempt)

    def get_paginated(self, path, list_path, params, page_size):
        records, page = [], 1
        while True:
            body = self.get(path, dict(params, page=page, pageSize=page_size))
            node = body
            for key in list_path.split("."):
                node = node[key]
            counts = body["data"] if list_path != "data" else body
            records.extend(node)
            if page * page_size >= counts["total"]:
                return records
            page += 1


def business_day(text):
    t = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    return (t - dt.timedelta(hours=8)).date()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--stores", required=True)
    ap.add_argument("--from", dest="start", required=True)
    ap.add_argument("--to", dest="end", required=True)
    ap.add_argument("--page-size", type=int, default=200)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.token_file) as f:
        token = f.readline().strip()
    api = APIClient(args.base, token)
    stores = [int(s) for s in args.stores.split(",")]
    first = dt.date.fromisoformat(args.start)
    last = dt.date.fromisoformat(args.end)
    files = {}
    records = 0
    started = time.perf_counter()

    def write(dataset, path, keys, version, date, store, record):
        key = "|".join(str(record[k]) for k in keys)
        row = {"store_id": store, "source_key": key, "payload": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
               "source_endpoint": path, "version_time": record[version].replace(" ", "T") + "+08:00"}
        name = f"{dataset}/dt={business_day(record[date])}.ndjson"
        if name not in files:
            os.makedirs(os.path.join(args.out, dataset), exist_ok=True)
            files[name] = open(os.path.join(args.out, name), "a", encoding="utf-8")
        files[name].write(json.dumps(row, ensure_ascii=False) + "\n")

    for store in stores:
        for dataset, path, list_path, keys, version, date in ENDPOINTS:
            windows = [(f"{day} 08:00:00", f"{day + dt.timedelta(days=1)} 08:00:00")
                       for day in (first + dt.timedelta(days=n) for n in range((last - first).days + 1))]
            if version == "updateTime" and dataset != "settlement_records":
                windows.insert(0, ("2000-01-01 08:00:00", f"{first} 08:00:00"))
            for start, end in windows:
                window = {"siteId": store, "startTime": start, "endTime": end}
                if list_path is None:
                    settles = api.get_paginated("/Site/GetAllOrderSettleList", "data.settleList", window, args.page_size)
                    for s in settles:
                        if start <= s["createTime"] < end:
                            ticket = api.get(path, {"siteId": store, "orderSettleId": s["id"]})["data"]
                            write(dataset, path, keys, version, date, store, ticket)
                            records += 1
                else:
                    for record in api.get_paginated(path, list_path, window, args.page_size):
                        write(dataset, path, keys, version, date, store, record)
                        records += 1
    for f in files.values():
        f.close()
    print(json.dumps({"requests": api.requests, "records": records, "bytes": api.bytes,
                      "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    sys.exit(main())
