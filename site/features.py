"""Feature modules the app loads, in order. Each module has `init_app(app)`, which registers its
blueprint, the URLs the static build must write (`state.add_urls`) and any build steps
(`state.post_build`). Add a module here to add a feature."""
from __future__ import annotations

FEATURES: list[str] = [
    "sds_site.views.data",
    "sds_site.leaflets",
    "sds_site.views.search",
    "sds_site.robustness",
    "sds_site.security",
    "sds_site.views.finder",
]
