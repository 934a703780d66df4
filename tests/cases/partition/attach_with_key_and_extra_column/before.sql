CREATE TABLE m (id integer NOT NULL, at date NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE INDEX m_v ON m (v);
CREATE TABLE m_2023 (id integer NOT NULL, at date, v text, old text);
INSERT INTO m_2023 VALUES (1, '2023-05-01', 'a', 'x');
