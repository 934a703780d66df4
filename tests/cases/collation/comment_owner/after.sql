CREATE COLLATION german (provider = icu, locale = 'de-DE');
COMMENT ON COLLATION german IS 'phone book order';
ALTER COLLATION german OWNER TO acc_owner;
