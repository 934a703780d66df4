CREATE DOMAIN posint AS integer;
COMMENT ON DOMAIN posint IS 'positive';
ALTER DOMAIN posint OWNER TO acc_owner;
