CREATE TYPE pair AS (a integer, b text);
COMMENT ON TYPE pair IS 'two';
ALTER TYPE pair OWNER TO acc_owner;
