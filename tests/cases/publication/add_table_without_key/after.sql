CREATE TABLE log (at timestamptz, line text);
CREATE PUBLICATION inserts FOR TABLE log WITH (publish = 'insert');
