SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER EXTENSION hstore UPDATE TO '1.8';
