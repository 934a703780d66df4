CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text);
INSERT INTO app.t VALUES (1, 'x'), (2, 'Y');
CREATE INDEX t_lower_a ON app.t (lower(a));
ALTER INDEX app.t_lower_a ALTER COLUMN 1 SET STATISTICS 300;
COMMENT ON INDEX app.t_lower_a IS 'by lower(a)';
