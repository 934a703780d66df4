CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE event (id integer NOT NULL, at date NOT NULL, m mood) PARTITION BY RANGE (at);
CREATE TABLE event_2026 PARTITION OF event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO event VALUES (1, '2026-05-01', 'happy');
