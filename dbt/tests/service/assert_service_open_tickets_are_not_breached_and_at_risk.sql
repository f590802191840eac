-- an open ticket is either breached or at risk of breaching, never both
select ticket_id
from {{ ref('rpt_service_open_tickets') }}
where is_breached and is_at_risk
