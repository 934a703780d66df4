CREATE TYPE mood AS ENUM ('sad', 'ok');
COMMENT ON TYPE mood IS 'feelings';
ALTER TYPE mood OWNER TO acc_owner;
