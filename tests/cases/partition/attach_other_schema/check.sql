SELECT 1/(count(*) = 1)::int FROM arch.m_1 WHERE id = 1;
