"""A seeded synthetic Vietnamese omnichannel retailer, with ground truth, at any scale factor.

``generate(out_dir, scale=0.01)`` writes the exports a shop's systems would produce (POS and
web-store customers and orders, marketplace orders, order lines, products, web/app/e-mail
events, survey answers, support tickets, consents) into ``out_dir/exports`` and the truth
behind them (persons, which record is whom, the true model parameters) into ``out_dir/truth``.
"""

from centric.demo._generate import BLOCK, CUSTOMERS_PER_SF, DemoWorld, generate
from centric.demo._purchases import PurchaseParams

__all__ = ["BLOCK", "CUSTOMERS_PER_SF", "DemoWorld", "PurchaseParams", "generate"]
