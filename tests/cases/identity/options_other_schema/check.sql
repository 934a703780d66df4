-- The sequence in use goes on from its value: no id is taken twice.
INSERT INTO app.t (a) VALUES ('new');
