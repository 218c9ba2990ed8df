import service from '../service/eslint.config.mjs';

// The service's rules, except that printing results is what a benchmark is for.
export default [...service, { rules: { 'no-console': 'off' } }];
