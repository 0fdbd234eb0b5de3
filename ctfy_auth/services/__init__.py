"""Every write path of ctfy_auth. Each public function is one transaction and sends
its signals after commit; views, admin actions and commands all call these."""
