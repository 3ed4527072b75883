"""Mobility pilot: cross-border traffic in the Schengen tri-border area and a departure advisor.

Modules: ``reference`` (committed tables), ``network`` (osmnx graphs), ``calendar`` (public holidays of
LU/FR/BE/DE), ``simulator`` (calibrated hourly counts with ground truth), ``loaders`` (official
data.public.lu counts, CITA DATEX II), ``features`` (horizon-aware, leak-free), ``forecast`` (LightGBM
quantile models, baselines, rolling-origin backtest), ``travel`` (BPR travel times, routing, departure
advisor), ``plots`` (matplotlib and folium).
"""

import os as _os

# LightGBM's OpenMP threads spin while waiting by default; on a machine whose cores are shared with other
# jobs that makes a 2-thread fit several times slower than a 1-thread one. Passive waiting costs almost
# nothing on an idle machine. Only a default: an explicit OMP_WAIT_POLICY wins, and it has an effect only
# when the OpenMP runtime has not been started yet in this process.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
