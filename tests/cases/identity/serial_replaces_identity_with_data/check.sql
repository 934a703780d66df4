-- The serial's new sequence goes on past the rows (and the identity
-- after the revert).
INSERT INTO t (a) VALUES ('new'), ('newer');
