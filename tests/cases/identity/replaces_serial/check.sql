-- The identity goes on after the rows the serial numbered (and back).
INSERT INTO t (a) VALUES ('new');
