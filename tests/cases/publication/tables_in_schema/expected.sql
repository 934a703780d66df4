SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
CREATE PUBLICATION app_pub FOR TABLES IN SCHEMA app;
