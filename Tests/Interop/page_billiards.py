"""Pages one endpoint of the billiards upstream API with requests and prints its
records as JSON lines, in the order served (docs/billiards-api.md shows this).

    page_billiards.py BASE-URL TOKEN-FILE PATH SITE-ID START END [PAGE-SIZE]
"""
import json
import sys

import requests


def pages(base, token, path, site_id, start, end, page_size=200):
    """Yields every record of the window [start, end), page by page."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    page = 1
    while True:
        r = session.get(base + path, timeout=30, params={
            "siteId": site_id, "startTime": start, "endTime": end, "page": page, "pageSize": page_size})
        r.raise_for_status()
        body = r.json()
        assert body["code"] == 0, body
        # The list sits at `data` (with total beside it) or at `data.<listKey>`.
        if isinstance(body["data"], list):
            records, total = body["data"], body["total"]
        else:
            data = body["data"]
            total = data["total"]
            records = next(v for k, v in data.items() if isinstance(v, list))
        yield from records
        if page * page_size >= total:
            return
        page += 1


def main():
    base, token_file, path, site_id, start, end = sys.argv[1:7]
    page_size = int(sys.argv[7]) if len(sys.argv) > 7 else 200
    with open(token_file) as f:
        token = f.readline().strip()
    for record in pages(base, token, path, site_id, start, end, page_size):
        print(json.dumps(record, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
