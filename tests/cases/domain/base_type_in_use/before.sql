CREATE DOMAIN amount AS integer CHECK (VALUE >= 0);
CREATE TABLE payment (id integer PRIMARY KEY, paid amount NOT NULL DEFAULT 0, parts amount[]);
CREATE VIEW big AS SELECT id, paid FROM payment WHERE paid > 100;
CREATE FUNCTION double_it(a amount) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a * 2;
INSERT INTO payment VALUES (1, 150, '{1,2}');
