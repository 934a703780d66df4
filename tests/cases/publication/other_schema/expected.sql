SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER TABLE app.orders ADD COLUMN note text;
CREATE TABLE app.lines (
    id bigint NOT NULL,
    order_id bigint,
    PRIMARY KEY (id)
);
ALTER PUBLICATION "Orders Feed" ADD TABLE app.lines;
ALTER PUBLICATION "Orders Feed" ADD TABLE public."Mixed Case";
ALTER TABLE app.lines ADD CONSTRAINT lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES app.orders(id);
