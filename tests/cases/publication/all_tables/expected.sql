SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
CREATE PUBLICATION everything FOR ALL TABLES;
