CREATE SCHEMA app;
CREATE TYPE app.period AS RANGE (subtype = date, multirange_type_name = app.periods);
COMMENT ON TYPE app.period IS 'a span of days';
ALTER TYPE app.period OWNER TO acc_owner;
REVOKE USAGE ON TYPE app.period FROM PUBLIC;
GRANT USAGE ON TYPE app.period TO acc_reader;
