CREATE TABLE public.boxes (
  w integer,
  h integer,
  area integer GENERATED ALWAYS AS (w * h),
  perimeter integer GENERATED ALWAYS AS (2 * (w + h)) STORED
);
