-- opslake dimension: petshop.dim_product
-- sources: petshop.products
--
-- Products over time (SCD2) from the weekly catalogue snapshots: consecutive
-- snapshots with the same name, brand, category, pet type, pack, price, list price
-- and essential flag form one version. A version runs from the Monday of its
-- first snapshot (inclusive) to the Monday of the next loaded snapshot after its
-- last one (exclusive), or 'infinity' when it is in the latest snapshot
-- (is_current). A product missing from a snapshot (retired) ends its version
-- there; one that returns starts a new version. Rebuilt from the loaded
-- snapshots whenever their ledger content changes, so the load order does not
-- matter.
--
-- A fact joins the version in force on its Taipei business day:
--   JOIN petshop.dim_product d ON d.product_id = i.product_id
--    AND i.dt >= d.valid_from AND i.dt < d.valid_to

CREATE TABLE IF NOT EXISTS petshop.dim_product (
  product_id text NOT NULL,
  version integer NOT NULL,
  valid_from date NOT NULL,
  valid_to date NOT NULL,
  is_current boolean NOT NULL,
  name text NOT NULL,
  brand text NOT NULL,
  category text NOT NULL,
  pet_type text NOT NULL,
  pack text NOT NULL,
  price bigint NOT NULL,
  list_price bigint NOT NULL,
  essential boolean NOT NULL,
  PRIMARY KEY (product_id, version),
  CHECK (valid_from < valid_to)
);
COMMENT ON TABLE petshop.dim_product IS 'Products over time (SCD2), rebuilt by opslake load from the weekly products snapshots';

DELETE FROM petshop.dim_product;

INSERT INTO petshop.dim_product
WITH weeks AS (
  SELECT dt, row_number() OVER (ORDER BY dt) AS week_no, lead(dt) OVER (ORDER BY dt) AS next_dt
  FROM (SELECT DISTINCT dt FROM petshop.products) d
),
snap AS (
  SELECT p.product_id, p.dt, w.week_no, w.next_dt,
         p.name, p.brand, p.category, p.pet_type, p.pack, p.price, p.list_price, p.essential
  FROM petshop.products p JOIN weeks w USING (dt)
),
starts AS (
  SELECT s.*,
         CASE WHEN lag(week_no) OVER w = week_no - 1
               AND (lag(name) OVER w, lag(brand) OVER w, lag(category) OVER w, lag(pet_type) OVER w,
                    lag(pack) OVER w, lag(price) OVER w, lag(list_price) OVER w, lag(essential) OVER w)
                   IS NOT DISTINCT FROM (name, brand, category, pet_type, pack, price, list_price, essential)
              THEN 0 ELSE 1 END AS starts
  FROM snap s
  WINDOW w AS (PARTITION BY product_id ORDER BY dt)
),
versions AS (
  SELECT st.*, sum(starts) OVER (PARTITION BY product_id ORDER BY dt) AS version
  FROM starts st
)
SELECT product_id, version::integer, min(dt),
       coalesce((array_agg(next_dt ORDER BY dt DESC))[1], 'infinity'),
       (array_agg(next_dt ORDER BY dt DESC))[1] IS NULL,
       min(name), min(brand), min(category), min(pet_type), min(pack), min(price), min(list_price), bool_and(essential)
FROM versions
GROUP BY product_id, version;
