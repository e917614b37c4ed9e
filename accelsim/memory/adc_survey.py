"""ADC energy and area from the Murmann ADC survey: the regression of Accelergy's ADC plug-in.

Source: github.com/Accelergy-Project/accelergy-adc-plug-in (commit ff0fb48), ``model.py`` and
``adc_data/model.yaml``, a fit to B. Murmann, "ADC Performance Survey 1997–2023" (the plug-in's
``adc_data/adc_list.csv``). For a converter of ``bits`` (ENOB), node ``n`` (nm) and sample rate ``f`` (Hz):

* Schreier figure of merit ``FOMS = 213.78 − 2.872·ln f``, capped at the survey's best for that resolution
  (``max_by_enob``); SNDR = 6.02·bits + 1.76 dB;
* energy per conversion ``E = 1 / (2·10^((FOMS − SNDR)/10)) · exp(26.05 + 1.880·ln n − 2.829·ln bits
  − 1.470)`` pJ (the exponential is the plug-in's technology/resolution correction and residual);
* area ``A = exp(0.9933·ln n + 0.1807·ln f + 0.2991·ln E + 1.346)`` µm².

E.g. 8 bit, 32 nm, 1 GS/s: 1.714 pJ and 5,972 µm²; fitted for 4 bits and more (the plug-in refuses
fewer).
"""

from __future__ import annotations

import math

FOMS_INTERCEPT_DB = 213.7806687348118
FOMS_PER_LN_HZ = -2.8719030399529957
#: the survey's best FOMS per resolution (index = ceil(bits), clamped to 0..20)
FOMS_MAX_BY_ENOB_DB = (
    128.3068287398817, 131.52734025085925, 134.7478517618368, 137.96836327281437, 141.18887478379193,
    144.4093862947695, 147.62989780574708, 150.85040931672464, 154.0709208277022, 157.29143233867975,
    160.5119438496573, 163.73245536063487, 166.95296687161243, 170.17347838259, 173.39398989356755,
    176.61450140454514, 179.83501291552267, 183.05552442650026, 186.27603593747781, 189.49654744845537,
    192.71705895943293,
)  # fmt: skip
TECH_INTERCEPT = 26.0496215686518
TECH_SLOPE = 1.8800369206815004
ENOB_SLOPE = -2.8291256050594527
ENERGY_RESIDUAL = -1.4702022133784405
AREA_PER_LN_NM = 0.9932794744745022
AREA_PER_LN_HZ = 0.18071538424508238
AREA_PER_LN_PJ = 0.29912426192653485
AREA_INTERCEPT = 1.3461916439910742
MIN_BITS = 4


def sndr_db(bits: float) -> float:
    return bits * 20 * math.log10(2) + 10 * math.log10(1.5)


def energy_pj(bits: float, technology_nm: float, sample_rate_hz: float) -> float:
    """Energy of one conversion (pJ)."""
    if bits < MIN_BITS:
        raise ValueError(f"the survey model is fitted for ADCs of {MIN_BITS} bits or more, got {bits}")
    foms = FOMS_INTERCEPT_DB + FOMS_PER_LN_HZ * math.log(sample_rate_hz)
    foms = min(foms, FOMS_MAX_BY_ENOB_DB[max(min(math.ceil(bits), len(FOMS_MAX_BY_ENOB_DB) - 1), 0)])
    e = 1.0 / (10 ** ((foms - sndr_db(bits)) / 10) * 2)
    return e * math.exp(
        TECH_INTERCEPT + TECH_SLOPE * math.log(technology_nm) + ENOB_SLOPE * math.log(bits) + ENERGY_RESIDUAL
    )


def area_um2(bits: float, technology_nm: float, sample_rate_hz: float) -> float:
    """Area of one ADC (µm²)."""
    e = energy_pj(bits, technology_nm, sample_rate_hz)
    return math.exp(
        AREA_PER_LN_NM * math.log(technology_nm)
        + AREA_PER_LN_HZ * math.log(sample_rate_hz)
        + AREA_PER_LN_PJ * math.log(e)
        + AREA_INTERCEPT
    )
