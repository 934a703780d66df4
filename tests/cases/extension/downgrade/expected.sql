SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
DROP EXTENSION hstore;
CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.7';
