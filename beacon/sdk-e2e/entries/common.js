// The values every SDK is given: identifiers the gateway must remove and
// plain properties it must keep. The tests import the same file.
export const LINK = 'https://shop.example/reset?email=jane.doe@example.com&token=9f8e7d6c5b4a39281726354453627180';
export const EMAIL = 'jane.doe@example.com';
export const PHONE = '+44 7700 900123';
export const TOKEN = '9f8e7d6c5b4a39281726354453627180';
export const USER_ID = 'user-8c1f2e9a7b';
export const USER_ID2 = 'uid-4d3c2b1a0f';
export const CUSTOMER_ID = 'cus-77f1e2d3c4';
export const EVENT = 'Checkout Started';

export const properties = {
  link: LINK,
  email: EMAIL,
  userId: USER_ID,
  user_id: USER_ID2,
  customer_id: CUSTOMER_ID,
  phone: PHONE,
  plan: 'pro',
  price: 12.5,
  'Page Location': '/pricing',
};

export const traits = { email: EMAIL, phone: PHONE, name: 'Jane Doe', plan: 'pro' };

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
