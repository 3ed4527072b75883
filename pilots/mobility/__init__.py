"""Mobility pilot: cross-border traffic in the Schengen tri-border area and a departure advisor.

Modules: ``reference`` (committed tables), ``network`` (osmnx graphs), ``calendar`` (public holidays of
LU/FR/BE/DE), ``simulator`` (calibrated hourly counts with ground truth), ``loaders`` (official
data.public.lu counts, CITA DATEX II), ``features`` (horizon-aware, leak-free), ``forecast`` (LightGBM
quantile models, baselines, rolling-origin backtest), ``travel`` (BPR travel times, routing, departure
advisor), ``plots`` (matplotlib and folium).
"""

# OMP_WAIT_POLICY is set once for every pilot in livinglab/__init__.py (imported before this module).
