-- opslake dimension: petshop.dim_customer
-- sources: petshop.customers, petshop.customer_changes
--
-- Members over time (SCD2): one version from registration, and a new one at each
-- change of mobile, e-mail or address, carrying the other details forward.
-- Version n is valid from valid_from (inclusive) to valid_to (exclusive); the
-- current version has valid_to = 'infinity' and is_current. The table is rebuilt
-- from the loaded base tables whenever their ledger content changes, so it is the
-- same whatever order the partitions were loaded in.
--
-- A fact joins the version in force at its time:
--   JOIN petshop.dim_customer d ON d.customer_id = o.customer_id
--    AND o.ordered_at >= d.valid_from AND o.ordered_at < d.valid_to

CREATE TABLE IF NOT EXISTS petshop.dim_customer (
  customer_id text NOT NULL,
  version integer NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz NOT NULL,
  is_current boolean NOT NULL,
  name text NOT NULL,
  gender text NOT NULL,
  birthday date NOT NULL,
  mobile text NOT NULL,
  email text NOT NULL,
  city text NOT NULL,
  district text NOT NULL,
  postal_code text NOT NULL,
  address text NOT NULL,
  PRIMARY KEY (customer_id, version),
  CHECK (valid_from <= valid_to)
);
COMMENT ON TABLE petshop.dim_customer IS 'Members over time (SCD2), rebuilt by opslake load from customers and customer_changes';

DELETE FROM petshop.dim_customer;

INSERT INTO petshop.dim_customer
-- A member number registered on two days (partitions generated under different
-- seeds) keeps its first registration.
WITH base AS (
  SELECT DISTINCT ON (customer_id) * FROM petshop.customers ORDER BY customer_id, registered_at, dt
),
events AS (
  SELECT c.customer_id, c.registered_at AS at, '' AS change_id,
         c.mobile, c.email, c.city, c.district, c.postal_code, c.address
  FROM base c
  UNION ALL
  SELECT x.customer_id, x.changed_at, x.change_id,
         x.mobile, x.email, x.city, x.district, x.postal_code, x.address
  FROM petshop.customer_changes x
  JOIN base c ON c.customer_id = x.customer_id AND x.changed_at >= c.registered_at
),
-- Each detail's value is the last non-null one so far: a running count of
-- non-nulls numbers the groups, and each group starts with its value.
grouped AS (
  SELECT e.*,
         count(mobile) OVER w AS g_mobile,
         count(email) OVER w AS g_email,
         count(address) OVER w AS g_address,
         row_number() OVER w AS version
  FROM events e
  WINDOW w AS (PARTITION BY customer_id ORDER BY at, change_id ROWS UNBOUNDED PRECEDING)
),
filled AS (
  SELECT customer_id, version, at,
         first_value(mobile) OVER (PARTITION BY customer_id, g_mobile ORDER BY version) AS mobile,
         first_value(email) OVER (PARTITION BY customer_id, g_email ORDER BY version) AS email,
         first_value(city) OVER (PARTITION BY customer_id, g_address ORDER BY version) AS city,
         first_value(district) OVER (PARTITION BY customer_id, g_address ORDER BY version) AS district,
         first_value(postal_code) OVER (PARTITION BY customer_id, g_address ORDER BY version) AS postal_code,
         first_value(address) OVER (PARTITION BY customer_id, g_address ORDER BY version) AS address
  FROM grouped
),
bounded AS (
  SELECT f.*, lead(at) OVER (PARTITION BY customer_id ORDER BY version) AS next_at
  FROM filled f
)
SELECT b.customer_id, b.version, b.at, coalesce(b.next_at, 'infinity'), b.next_at IS NULL,
       c.name, c.gender, c.birthday, b.mobile, b.email, b.city, b.district, b.postal_code, b.address
FROM bounded b
JOIN base c ON c.customer_id = b.customer_id;
