/**
 * Monthly list prices of common cloud instance sizes, in USD, for pricing
 * Terraform sizing changes (terraform-sizing.ts). A policy overrides or extends
 * them with `cost.prices` (same keys: the size exactly as Terraform writes it).
 *
 * Source: the providers' public on-demand price lists as published in 2024 — AWS
 * EC2 and RDS for PostgreSQL (Single-AZ) On-Demand pricing, us-east-1, Linux; Google
 * Compute Engine VM instance pricing, us-central1; Azure Virtual Machines
 * pay-as-you-go pricing, East US, Linux — the hourly price × 730 hours, rounded to
 * the cent. Reserved, spot and savings-plan prices are lower, other regions
 * differ, and providers change prices: an organisation that knows its own rates
 * sets them in `cost.prices`. These are only a default good enough to tell a $60
 * change from a $6,000 one.
 */
export const BUILT_IN_PRICES_USD: Readonly<Record<string, number>> = {
  // AWS EC2 (instance_type; EKS node groups' instance_types)
  "t3.micro": 7.59,
  "t3.small": 15.18,
  "t3.medium": 30.37,
  "t3.large": 60.74,
  "t3.xlarge": 121.47,
  "m5.large": 70.08,
  "m5.xlarge": 140.16,
  "m5.2xlarge": 280.32,
  "m5.4xlarge": 560.64,
  "m5.8xlarge": 1121.28,
  "m6i.large": 70.08,
  "m6i.xlarge": 140.16,
  "m6i.2xlarge": 280.32,
  "m6i.4xlarge": 560.64,
  "c5.large": 62.05,
  "c5.xlarge": 124.1,
  "c5.2xlarge": 248.2,
  "c5.4xlarge": 496.4,
  "r5.large": 91.98,
  "r5.xlarge": 183.96,
  "r5.2xlarge": 367.92,
  "r5.4xlarge": 735.84,
  // AWS RDS for PostgreSQL, Single-AZ (instance_class)
  "db.t3.micro": 13.14,
  "db.t3.small": 26.28,
  "db.t3.medium": 52.56,
  "db.m5.large": 129.94,
  "db.r5.large": 182.5,
  // Google Compute Engine (machine_type)
  "e2-micro": 6.11,
  "e2-small": 12.23,
  "e2-medium": 24.46,
  "e2-standard-2": 48.91,
  "e2-standard-4": 97.82,
  "n1-standard-1": 34.68,
  "n1-standard-2": 69.35,
  "n2-standard-2": 70.88,
  "n2-standard-4": 141.77,
  // Azure Virtual Machines (size, vm_size, sku)
  Standard_B2s: 30.37,
  Standard_B2ms: 60.74,
  Standard_D2s_v3: 70.08,
  Standard_D4s_v3: 140.16,
  Standard_D2s_v5: 70.08,
  Standard_D4s_v5: 140.16,
};

/** The currency of BUILT_IN_PRICES_USD: under a policy priced in another, only its own `cost.prices` apply. */
export const BUILT_IN_CURRENCY = "USD";

/**
 * Prices a policy's sizing changes are read with: the built-in table when the
 * policy prices in USD, with the policy's `cost.prices` over it.
 */
export function pricesFor(cost: {
  currency: string;
  prices?: Readonly<Record<string, number>>;
}): ReadonlyMap<string, number> {
  const builtIn = cost.currency === BUILT_IN_CURRENCY ? Object.entries(BUILT_IN_PRICES_USD) : [];
  return new Map([...builtIn, ...Object.entries(cost.prices ?? {})]);
}
