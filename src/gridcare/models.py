"""Every domain's models, imported so ``Base.metadata`` knows all tables (Alembic, tests)."""

from gridcare import jobs, outbox  # noqa: F401
from gridcare.alerts import models as alerts_models  # noqa: F401
from gridcare.analytics import models as analytics_models  # noqa: F401
from gridcare.arrears import models as arrears_models  # noqa: F401
from gridcare.audit import models as audit_models  # noqa: F401
from gridcare.auth import models as auth_models  # noqa: F401
from gridcare.calls import models as call_models  # noqa: F401
from gridcare.campaigns import models as campaigns_models  # noqa: F401
from gridcare.cards import models as cards_models  # noqa: F401
from gridcare.contractors import models as contractors_models  # noqa: F401
from gridcare.customers import models as customer_models  # noqa: F401
from gridcare.db import Base
from gridcare.field import models as field_models  # noqa: F401
from gridcare.grids import models as grid_models  # noqa: F401
from gridcare.knowledge import models as knowledge_models  # noqa: F401
from gridcare.network import models as network_models  # noqa: F401
from gridcare.notify import models as notify_models  # noqa: F401
from gridcare.open311 import models as open311_models  # noqa: F401
from gridcare.outages import models as outage_models  # noqa: F401
from gridcare.planning import models as planning_models  # noqa: F401
from gridcare.workorders import models as workorder_models  # noqa: F401

metadata = Base.metadata
