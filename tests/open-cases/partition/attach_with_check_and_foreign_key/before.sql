CREATE TABLE k (id integer PRIMARY KEY);
CREATE TABLE m (id integer NOT NULL REFERENCES k (id), at date NOT NULL, v text, CONSTRAINT v_short CHECK (length(v) < 10)) PARTITION BY RANGE (at);
CREATE TABLE m_2023 (id integer NOT NULL, at date NOT NULL, v text);
