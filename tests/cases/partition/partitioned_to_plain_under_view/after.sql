CREATE TABLE m (id integer NOT NULL, at date NOT NULL, v text);
CREATE VIEW mv AS SELECT id, at FROM m;
