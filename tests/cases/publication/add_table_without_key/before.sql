CREATE TABLE log (at timestamptz, line text);
CREATE PUBLICATION inserts WITH (publish = 'insert');
