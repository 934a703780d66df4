CREATE TABLE m_2024 (id integer NOT NULL, at date NOT NULL, v text);
INSERT INTO m_2024 VALUES (1, '2024-05-01', 'a');
