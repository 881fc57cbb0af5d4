/** The shapes of the API's answers the console reads (docs/api.md has them in full). */
import type { Audience } from './roles';

export interface Session {
  name: string;
  role: 'ops' | 'manager' | 'marketer' | 'admin';
  expiresAt: string;
  can: Record<Audience, boolean>;
}

export interface GuestListItem {
  id: string;
  pmsProfileId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  memberNumber: string | null;
  stage: string;
  tier: string;
  createdAt: string;
}

export interface GuestSearchAnswer {
  guests: GuestListItem[];
  nextCursor?: string | null;
}

export interface TierProgress {
  year: number;
  by: string;
  activity: { stays: number; nights: number; basePoints: number };
  keep: { tier: string; nights: number; stays: number } | null;
  kept: boolean;
  next: { tier: string; nights: number; stays: number } | null;
}

/** `GET /v1/guests/:id/workflow`: the guest's workflow as Temporal has it now, or null when it has none. */
export interface GuestWorkflow {
  guestId: string;
  workflow: { workflowId: string; status: string; state: unknown; stateError?: string } | null;
}

export interface GuestView {
  guest: {
    id: string;
    source: string;
    pmsProfileId: string;
    firstName: string;
    lastName: string;
    email: string;
    locale: string;
    timezone: string;
    phone: string | null;
    birthday: string | null;
    marketingConsent: boolean;
    memberNumber: string | null;
    enrolledAt: string | null;
    enrolmentChannel: string | null;
    stage: string;
    tier: string;
    tierValidThrough: string | null;
    tierFloor: string | null;
    createdAt: string;
    updatedAt: string;
  };
  preferences: Preference[];
  pointsBalance?: number;
  tierProgress?: TierProgress | null;
  /** `guest-<id>`; its live state: GuestWorkflow. */
  workflowId: string;
  stays: {
    id: string;
    pmsStayId: string;
    propertyCode: string;
    arrival: string;
    departure: string;
    nights: number;
    roomRevenue: string;
    currency: string;
    /** How many times the PMS amended it (`stay.amended`). */
    revision: number;
    /** When the PMS cancelled it (`stay.cancelled`): kept, but no longer counted. */
    cancelledAt: string | null;
  }[];
  /** Every stay and night so far (a cancelled stay is not counted). */
  totals: { stays: number; nights: number };
  ledger: {
    id: number;
    points: number;
    balanceAfter: number;
    reason: string;
    source: string | null;
    createdAt: string;
  }[];
  inHouse: { pmsStayId: string; propertyCode: string; arrival: string; expectedDeparture: string } | null;
  openCases: {
    id: string;
    status: string;
    category: string;
    priority: string;
    propertyCode: string;
    department: string;
    slaState: string;
    openedAt: string;
  }[];
  mails: {
    id: number;
    template: string;
    class: string;
    subject: string;
    status: string;
    sendAt: string | null;
    suppressionReason: string | null;
    createdAt: string;
    sentAt: string | null;
  }[];
  bookings: {
    id: string;
    pmsBookingId: string;
    propertyCode: string;
    arrival: string;
    departure: string;
    offerCode: string | null;
    status: string;
  }[];
  tierHistory: { tier: string; previousTier: string; source: string; reason: string; at: string }[];
  stageHistory: { from: string | null; to: string; reason: string; actor: string; at: string }[];
}

export interface Property {
  code: string;
  name: string | null;
  timezone: string | null;
}

export interface Preference {
  id: number;
  kind: 'preference' | 'taboo';
  category: string;
  text: string;
  source: string;
  recordedBy: string;
  at: string;
}
