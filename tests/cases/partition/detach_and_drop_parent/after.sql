CREATE TABLE m_2024 (id integer NOT NULL, at date NOT NULL, v text);
