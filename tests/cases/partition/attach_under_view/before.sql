CREATE TABLE m (id integer NOT NULL, at date NOT NULL, v text) PARTITION BY RANGE (at);
CREATE TABLE m_2023 (id integer NOT NULL, at date NOT NULL, v text);
CREATE VIEW old AS SELECT id, v FROM m_2023;
CREATE VIEW every AS SELECT id, at FROM m;
